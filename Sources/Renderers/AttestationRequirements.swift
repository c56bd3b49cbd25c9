import Admission
import Foundation
import Policy

/// What the profile's `admission:` section asks of an image's vulnerability attestation, in the terms a
/// cluster engine checks it: the trusted keys as PEM, the scan age in a duration, the blocking severities
/// as Trivy and Grype spell them, and the accepted findings with the instant each stops applying.
public struct AttestationRequirements: Sendable {
    /// A finding the profile accepts until `expires`.
    public struct Accepted: Sendable, Equatable {
        /// The id, upper-case (securerun compares ids case-insensitively).
        public var id: String
        /// Why, from the profile.
        public var reason: String
        /// RFC 3339 instant at which it stops applying.
        public var expires: String
    }

    /// The cosign vuln predicate type (the only one admission reads).
    public static let predicateType = VulnPredicate.predicateType
    /// The trusted keys.
    public let keys: [TrustedKey]
    /// How many distinct keys must sign.
    public let threshold: Int
    /// The scan age limit in seconds, nil for `unlimited`.
    public let maxAgeSeconds: Int?
    /// The profile's text for it (`30d`).
    public let maxAgeText: String
    /// Severities that block, upper-case (`HIGH`, `CRITICAL`), lowest first.
    public let blocking: [String]
    /// The lowest blocking severity.
    public let blockAt: Severity
    /// The accepted findings.
    public let accepted: [Accepted]
    /// Whether an image without an attestation is admitted.
    public let allowUnattested: Bool
    /// Registries images may come from (empty: any).
    public let registries: [String]

    /// The requirements of `profile`, trusting `keys` (the profile's and the state root's).
    public init(profile: Profile, keys: [TrustedKey]) {
        let admission = profile.admission
        self.keys = keys
        threshold = admission.threshold
        maxAgeSeconds = (try? admission.scanAgeLimit()).flatMap { $0.map { Int($0.seconds) } }
        maxAgeText = admission.maxScanAge
        blockAt = admission.blockAt
        blocking = Severity.allCases.filter { $0 >= admission.blockAt }.map(\.rawValue)
        accepted = admission.ignore.map { entry in
            Accepted(id: entry.id.uppercased(), reason: entry.reason, expires: entry.expiryDate.map(Timestamp.format) ?? entry.expires)
        }
        allowUnattested = admission.allowUnattested
        registries = profile.allowedRegistries
    }

    /// Grype's spellings of the blocking severities (`High`, `Critical`).
    public var blockingGrype: [String] { blocking.map { $0.prefix(1) + $0.dropFirst().lowercased() } }

    /// The age as a Go duration (`720h`), as Kyverno's `time_since` compares it.
    public var maxAgeDuration: String? {
        maxAgeSeconds.map { $0 % 3600 == 0 ? "\($0 / 3600)h" : "\($0)s" }
    }

    /// The image globs the engines match: each allowed registry, or every image.
    public func imageGlobs(suffix: String) -> [String] {
        registries.isEmpty ? [suffix] : registries.map { "\($0)/\(suffix)" }
    }
}
