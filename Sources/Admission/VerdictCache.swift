import ContentDigest
import Crypto
import Foundation
import HostSystem
import StrictJSON

/// Admitted verdicts already reached, under `<root>/cache/verdicts/` (root-only), so a start whose
/// attestations, keys and policy have not changed does not read and verify the deciding envelope again.
///
/// The key is everything the decision reads except the clock: this executable, the image digest, the
/// policy, and the identity (`lstat` and `stat`: device, inode, size, modification and change times) of
/// every stored (or fetched) envelope and every trusted key file, and of their directories. Any edit, addition,
/// removal or replacement gives a new key. The clock is handled by validity: an entry holds only until the
/// earliest moment the same inputs could decide otherwise (the scan reaching the age limit, an ignore entry
/// expiring), at most an hour, and never when the clock reads earlier than when it was stored (a clock
/// that went backwards could otherwise bring back a verdict from the future). Only admissions are kept: a
/// refusal is always decided afresh.
struct VerdictCache {
    /// Bumped whenever what is stored, or how verdicts are reached, changes.
    static let format = 1
    /// The longest an entry holds, whatever its inputs.
    static let maxValidity: TimeInterval = 3600

    /// What is stored: the verdict, when it was reached and until when it holds, and what its reasons say
    /// of the scan's age (rendered again at each use, so a cached verdict reads as a fresh one).
    struct Entry: Codable {
        var format: Int
        var storedAt: Date
        var validUntil: Date
        var verdict: Verdict
        var admittedScan: AdmittedScan?
    }

    let cache: PrivateCache

    init(stateRoot: URL) {
        cache = PrivateCache(stateRoot: stateRoot, name: "verdicts", maxBytes: 4 << 20)
    }

    /// The key for `digest` under `policy` with `keyPaths` trusted, or nil when the inputs cannot all be
    /// identified (then nothing is cached).
    func key(digest: ContentDigest.Digest, policy: AdmissionPolicy, attestations: [URL], keyPaths: [String]) -> String? {
        guard let identity = PrivateCache.executableIdentity else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let policyBytes = try? encoder.encode(policy) else { return nil }
        var hash = SHA256()
        hash.update(data: Array("securerun verdict \(Self.format) exe \(identity) image \(digest)\n".utf8))
        hash.update(data: policyBytes)
        for directory in attestations {
            hash.update(data: Array(Self.fingerprint(directory: directory, suffixes: [".json"]).utf8))
        }
        for path in keyPaths {
            var info = stat()
            let isDirectory = stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            let print = isDirectory ? Self.fingerprint(directory: URL(fileURLWithPath: path), suffixes: [".pub", ".pem"]) : Self.identity(path)
            hash.update(data: Array("key \(path)\n\(print)".utf8))
        }
        return HexText.encode(hash.finalize())
    }

    /// The admitted verdict stored under `key`, if it still holds at `now`.
    func load(_ key: String, now: Date) -> Verdict? {
        guard let bytes = cache.read(key),
            let entry = try? StrictJSONDecoder(limits: JSONLimits(maxBytes: cache.maxBytes, maxDepth: 16)).decode(Entry.self, from: bytes),
            entry.format == Self.format, entry.verdict.admitted, entry.storedAt <= now, now < entry.validUntil
        else { return nil }
        var verdict = entry.verdict
        if let scan = entry.admittedScan { verdict.reasons = scan.reasons(now: now) }
        return verdict
    }

    /// Stores `verdict` (an admission) under `key` until the earliest moment it could change.
    func save(_ verdict: Verdict, scan: AdmittedScan?, policy: AdmissionPolicy, for key: String, now: Date) {
        guard verdict.admitted else { return }
        var until = now.addingTimeInterval(Self.maxValidity)
        if let scan, let limit = scan.ageLimitSeconds { until = min(until, scan.finished.addingTimeInterval(limit)) }
        // An ignore entry that still applies may be what admits: its expiry ends the entry.
        for entry in policy.ignore {
            if let expiry = entry.expiryDate, expiry > now { until = min(until, expiry) }
        }
        guard until > now else { return }
        let entry = Entry(format: Self.format, storedAt: now, validUntil: until, verdict: verdict, admittedScan: scan)
        guard let bytes = try? JSONEncoder().encode(entry) else { return }
        cache.write(Array(bytes), for: key)
    }

    /// The identity of a directory and of its entries with one of `suffixes`, one line each.
    static func fingerprint(directory: URL, suffixes: [String]) -> String {
        var lines = [identity(directory.path)]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names.sorted() where suffixes.contains(where: { name.hasSuffix($0) }) {
            lines.append(name + " " + identity(directory.appendingPathComponent(name).path))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `lstat` and `stat` of `path` (the link and what it names): device, inode, mode, size, modification
    /// and change times; `-` for what does not exist.
    static func identity(_ path: String) -> String {
        func describe(_ result: Int32, _ info: stat) -> String {
            guard result == 0 else { return "-" }
            return "\(info.st_dev):\(info.st_ino):\(info.st_mode):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
                + ":\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
        }
        var link = stat()
        var target = stat()
        let linkResult = lstat(path, &link)
        let targetResult = stat(path, &target)
        return describe(linkResult, link) + " " + describe(targetResult, target)
    }
}

/// What an admitted verdict's reasons say of the scan that admitted it, so they can be written again at
/// any moment (the age in them moves with the clock).
struct AdmittedScan: Codable {
    var attestation: String
    var signers: [String]
    var scanner: String
    var finished: Date
    var ageLimit: String?
    var ageLimitSeconds: TimeInterval?
    var threshold: String
    var found: Int
    var summary: String
    var ignoredCount: Int

    /// The reasons of an admission at `now`.
    func reasons(now: Date) -> [String] {
        let age = now.timeIntervalSince(finished)
        return [
            "\(attestation) signed by \(signers.joined(separator: ", "))",
            "\(scanner) scan finished \(Timestamp.format(finished)) (\(ScanAge.describe(max(age, 0))) ago)"
                + (ageLimit.map { ", within the profile's limit of \($0)" } ?? ", no age limit"),
            "no blocking vulnerabilities \(threshold) (\(found) found\(found > 0 ? ": " + summary : "")"
                + (ignoredCount == 0 ? "" : "; \(ignoredCount) ignored by the profile") + ")",
        ]
    }
}
