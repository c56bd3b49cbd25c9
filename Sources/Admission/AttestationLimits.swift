import Foundation
import StrictJSON

/// The bounds every attestation is read within, so no single document, and no pile of them, can make
/// admission slow or memory-hungry.
public enum AttestationLimits {
    /// The largest envelope `image pull`, `image attest` and `image attestation add` store (a Trivy report
    /// of a large image is a few megabytes; base64 adds a third).
    public static let maxEnvelopeBytes = 32 << 20
    /// The largest stored envelope the gate reads at all; anything bigger was not stored by securerun and
    /// refuses the image until it is removed.
    public static let maxStoredEnvelopeBytes = 64 << 20
    /// How many attestations one image keeps at most; pulls skip the rest (with a warning), and `attest`
    /// and `attestation add` refuse until old ones are removed.
    public static let maxPerImage = 32
    /// How far a scan time may lie ahead of the moment it was stored (clock skew between machines).
    public static let clockSkew: TimeInterval = 300
    /// Scan times before this are not real scans (cosign's unset time is 0001-01-01T00:00:00Z).
    public static let earliestScanTime = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01T00:00:00Z

    /// Parse limits for an envelope or bundle file.
    static let envelopeJSON = JSONLimits(maxBytes: maxStoredEnvelopeBytes, maxDepth: 16)
    /// Parse limits for a statement payload (the report nests inside `predicate.scanner.result`).
    static let payloadJSON = JSONLimits(maxBytes: maxStoredEnvelopeBytes, maxDepth: 64)
}
