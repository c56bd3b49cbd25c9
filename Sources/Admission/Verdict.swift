import Foundation

/// The admission decision for one image digest, with the reasons a person reads.
public struct Verdict: Sendable, Codable, Equatable {
    /// Whether the image may run.
    public var admitted: Bool
    /// The image manifest digest, `sha256:<hex>`.
    public var imageDigest: String
    /// One lower-case line each: why it was refused, or what admitted it.
    public var reasons: [String]
    /// The attestation file the decision rests on, if a valid one was found.
    public var attestation: String?
    /// The trusted keys that signed that attestation.
    public var signedBy: [String]
    /// The scanner that produced its report.
    public var scanner: String?
    /// Its `scanFinishedOn`, RFC 3339 UTC.
    public var scanFinishedOn: String?
    /// Findings per severity (lower-case names), every severity present.
    public var counts: [String: Int]
    /// Findings that block, most severe first.
    public var blocking: [Vulnerability]
    /// Findings at or above the block level that an unexpired ignore entry accepted.
    public var ignored: [Vulnerability]
    /// Things worth knowing that did not decide the verdict (skipped attestations, unreadable keys, expired ignores).
    public var notes: [String]
    /// What the profile opts out of (`allowUnattested`, `maxScanAge: unlimited`), whatever the verdict.
    public var warnings: [String]

    /// A verdict with only a decision and reasons.
    public init(admitted: Bool, imageDigest: String, reasons: [String], notes: [String] = []) {
        self.admitted = admitted
        self.imageDigest = imageDigest
        self.reasons = reasons
        self.attestation = nil
        self.signedBy = []
        self.scanner = nil
        self.scanFinishedOn = nil
        self.counts = [:]
        self.blocking = []
        self.ignored = []
        self.notes = notes
        self.warnings = []
    }
}
