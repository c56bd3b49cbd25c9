import Foundation

/// The `admission:` section of a hardening profile: whose signatures count, which findings block,
/// how fresh a scan must be, and what is knowingly accepted. Decodes from YAML (Yams) and JSON; every
/// field may be omitted and takes the secure default.
public struct AdmissionPolicy: Codable, Sendable, Equatable {
    /// PEM public key files, or directories of `*.pub`/`*.pem`. `<root>/trusted-keys/` is always trusted too.
    public var trustedKeys: [String]
    /// How many distinct trusted keys must sign one attestation (default 1).
    public var threshold: Int
    /// Findings at or above this severity block. `UNKNOWN` (the lowest) makes every finding block.
    public var blockAt: Severity
    /// The oldest `scanFinishedOn` admitted, as `7d`, `24h`, `90m` (default `30d`: scans go stale and
    /// images must be re-audited), or `unlimited`, an explicit opt-out that `image verify` warns about.
    public var maxScanAge: String
    /// Findings knowingly accepted until an expiry date.
    public var ignore: [IgnoreEntry]
    /// Admit images that have no valid attestation. Off unless a profile says `allowUnattested: true`.
    public var allowUnattested: Bool

    /// blockAt HIGH, scans at most 30 days old, threshold 1, unattested images refused.
    public static let `default` = AdmissionPolicy()
    /// The scan age limit when a profile names none.
    public static let defaultScanAge = "30d"
    /// The spelling of "no scan age limit".
    public static let unlimitedScanAge = "unlimited"

    /// A policy from its parts; the defaults are the secure ones.
    public init(
        trustedKeys: [String] = [], threshold: Int = 1, blockAt: Severity = .high, maxScanAge: String = AdmissionPolicy.defaultScanAge,
        ignore: [IgnoreEntry] = [], allowUnattested: Bool = false
    ) {
        self.trustedKeys = trustedKeys
        self.threshold = threshold
        self.blockAt = blockAt
        self.maxScanAge = maxScanAge
        self.ignore = ignore
        self.allowUnattested = allowUnattested
    }

    private enum CodingKeys: String, CodingKey {
        case trustedKeys, threshold, blockAt, maxScanAge, ignore, allowUnattested
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        trustedKeys = try container.decodeIfPresent([String].self, forKey: .trustedKeys) ?? []
        threshold = try container.decodeIfPresent(Int.self, forKey: .threshold) ?? 1
        blockAt = try container.decodeIfPresent(Severity.self, forKey: .blockAt) ?? .high
        maxScanAge = try container.decodeIfPresent(String.self, forKey: .maxScanAge) ?? Self.defaultScanAge
        ignore = try container.decodeIfPresent([IgnoreEntry].self, forKey: .ignore) ?? []
        allowUnattested = try container.decodeIfPresent(Bool.self, forKey: .allowUnattested) ?? false
        guard threshold >= 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .threshold, in: container, debugDescription: "threshold must be at least 1, got \(threshold)")
        }
        do {
            _ = try scanAgeLimit()
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .maxScanAge, in: container, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(trustedKeys, forKey: .trustedKeys)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(blockAt, forKey: .blockAt)
        try container.encode(maxScanAge, forKey: .maxScanAge)
        try container.encode(ignore, forKey: .ignore)
        try container.encode(allowUnattested, forKey: .allowUnattested)
    }

    /// The same policy with relative `trustedKeys` paths made absolute against `directory`
    /// (the directory of the profile file that named them).
    public func resolvingPaths(relativeTo directory: URL) -> AdmissionPolicy {
        var copy = self
        copy.trustedKeys = trustedKeys.map { path in
            if path.hasPrefix("/") { return path }
            if path.hasPrefix("~/") {
                return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(String(path.dropFirst(2))).path
            }
            return directory.appendingPathComponent(path).standardizedFileURL.path
        }
        return copy
    }

    /// The parsed `maxScanAge`, nil for `unlimited`.
    public func scanAgeLimit() throws -> ScanAge? {
        maxScanAge == Self.unlimitedScanAge ? nil : try ScanAge(maxScanAge)
    }
}

/// A finding knowingly accepted: its id, why, and until when. Expired entries stop applying.
public struct IgnoreEntry: Codable, Sendable, Equatable {
    /// The vulnerability id, e.g. `CVE-2019-18224` (compared case-insensitively).
    public var id: String
    /// Why it is accepted; required so the decision is on record.
    public var reason: String
    /// `YYYY-MM-DD` (the entry applies through that day, UTC) or an RFC 3339 instant.
    public var expires: String

    /// An entry from its parts; `expires` must parse (see `expiryDate`).
    public init(id: String, reason: String, expires: String) throws {
        guard Timestamp.parse(expires) != nil else { throw AdmissionError.invalidTimestamp(field: "expires", value: expires) }
        self.id = id
        self.reason = reason
        self.expires = expires
    }

    private enum CodingKeys: String, CodingKey {
        case id, reason, expires
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        reason = try container.decode(String.self, forKey: .reason)
        expires = try container.decode(String.self, forKey: .expires)
        guard !id.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .id, in: container, debugDescription: "ignore entry id is empty")
        }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DecodingError.dataCorruptedError(
                forKey: .reason, in: container, debugDescription: "ignore entry \(id) needs a reason")
        }
        guard Timestamp.parse(expires) != nil else {
            throw DecodingError.dataCorruptedError(
                forKey: .expires, in: container,
                debugDescription: "ignore entry \(id): expires '\(expires)' is not yyyy-mm-dd or an rfc 3339 timestamp")
        }
    }

    /// The instant the entry stops applying: the end of the named day for a date, else the instant itself.
    public var expiryDate: Date? {
        guard let date = Timestamp.parse(expires) else { return nil }
        return expires.count == 10 ? date.addingTimeInterval(86_400) : date
    }

    /// Whether the entry still applies at `now`.
    public func applies(at now: Date) -> Bool {
        guard let expiry = expiryDate else { return false }
        return now < expiry
    }
}
