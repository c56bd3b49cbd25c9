import Foundation

/// Decides whether an image may run: the newest valid attestation (by `scanFinishedOn`, not the first
/// found: kyverno#3195) must be signed by trusted keys, name the image, be fresh enough and carry no
/// blocking finding. Reads only local files; verification never touches the network.
public struct AdmissionGate: Sendable {
    /// The securerun state root (`attestations/`, `trusted-keys/`).
    public let stateRoot: URL

    /// How many blocking findings the reasons list one by one; `Verdict.blocking` has them all.
    public static let listedBlockingLimit = 10
    // A scan finishing this far in the future means a wrong clock or a forged time; refuse it.
    static let futureTolerance: TimeInterval = 300

    /// A gate over `stateRoot`; `<root>/trusted-keys/*.pub` are trusted in addition to the policy's keys.
    public init(stateRoot: URL) {
        self.stateRoot = stateRoot
    }

    /// The directory of keys trusted with `securerun key trust`.
    public var trustedKeysDirectory: URL {
        stateRoot.appendingPathComponent("trusted-keys", isDirectory: true)
    }

    /// The keys `policy` trusts plus those in `trusted-keys/`, and any problems reading them.
    public func trustedKeys(for policy: AdmissionPolicy) -> (keys: [TrustedKey], problems: [String]) {
        var paths = policy.trustedKeys
        if FileManager.default.fileExists(atPath: trustedKeysDirectory.path) { paths.append(trustedKeysDirectory.path) }
        return TrustedKey.load(paths: paths)
    }

    /// The verdict for `imageDigest` (`sha256:<hex>`) under `policy` at time `now`.
    public func verdict(imageDigest: String, policy: AdmissionPolicy, now: Date = Date()) -> Verdict {
        let digest: ImageDigest
        let ageLimit: ScanAge?
        do {
            digest = try ImageDigest(imageDigest)
            ageLimit = try policy.scanAgeLimit()
        } catch {
            return Verdict(admitted: false, imageDigest: imageDigest, reasons: ["\(error)"])
        }
        let (keys, keyProblems) = trustedKeys(for: policy)
        let store = AttestationStore(root: stateRoot)
        let files = store.files(for: digest)
        if files.isEmpty {
            if policy.allowUnattested {
                return Verdict(
                    admitted: true, imageDigest: digest.description,
                    reasons: ["no attestation for \(digest); admitted because the profile sets allowUnattested: true"],
                    notes: keyProblems)
            }
            return Verdict(
                admitted: false, imageDigest: digest.description,
                reasons: [
                    "no attestation for \(digest) in \(store.directory(for: digest).path); create one with "
                        + "'securerun image attest' or add one with 'securerun image attestation add'"
                ], notes: keyProblems)
        }

        var valid: [CheckedAttestation] = []
        var failures: [String] = []
        for file in files {
            do {
                valid.append(try CheckedAttestation.check(file: file, digest: digest, keys: keys, threshold: policy.threshold))
            } catch {
                let text = "\(error)"
                if !failures.contains(text) { failures.append(text) }
            }
        }
        guard let latest = valid.map(\.predicate.scanFinishedOn).max() else {
            if policy.allowUnattested {
                return Verdict(
                    admitted: true, imageDigest: digest.description,
                    reasons: ["no valid attestation for \(digest); admitted because the profile sets allowUnattested: true"],
                    notes: keyProblems + failures)
            }
            return Verdict(admitted: false, imageDigest: digest.description, reasons: failures, notes: keyProblems)
        }
        // Scans that finished at the same moment are equally current, so the strictest of them decides:
        // a clean report must not hide a blocking one because of how files happen to sort.
        let newest = valid.filter { $0.predicate.scanFinishedOn == latest }.sorted { $0.file.lastPathComponent < $1.file.lastPathComponent }
        let judged = newest.map { judge($0, digest: digest, policy: policy, ageLimit: ageLimit, now: now, notes: []) }
        let decisive = judged.firstIndex { !$0.admitted } ?? 0
        let chosen = newest[decisive]
        var skipped = failures.map { "skipped \($0)" }
        skipped += valid.filter { $0.file != chosen.file }.map {
            $0.predicate.scanFinishedOn == latest
                ? "also considered attestation \($0.file.lastPathComponent): scan finished at the same time"
                : "skipped attestation \($0.file.lastPathComponent): older scan (\(Timestamp.format($0.predicate.scanFinishedOn)))"
        }
        var verdict = judged[decisive]
        verdict.notes = keyProblems + skipped
        return verdict
    }

    /// Applies freshness and the severity rule to the chosen attestation.
    private func judge(
        _ attestation: CheckedAttestation, digest: ImageDigest, policy: AdmissionPolicy, ageLimit: ScanAge?, now: Date,
        notes: [String]
    ) -> Verdict {
        let name = "attestation \(attestation.file.lastPathComponent)"
        let finished = attestation.predicate.scanFinishedOn
        var verdict = Verdict(admitted: true, imageDigest: digest.description, reasons: [], notes: notes)
        verdict.attestation = attestation.file.path
        verdict.signedBy = attestation.signers
        verdict.scanner = attestation.report.scanner.rawValue
        verdict.scanFinishedOn = Timestamp.format(finished)
        verdict.counts = Dictionary(
            uniqueKeysWithValues: attestation.report.countsBySeverity.map { ($0.key.description, $0.value) })

        var refusals: [String] = []
        let age = now.timeIntervalSince(finished)
        if -age > Self.futureTolerance {
            refusals.append("\(name): scan finished in the future (\(Timestamp.format(finished))); check the clock")
        } else if let ageLimit, age > ageLimit.seconds {
            refusals.append(
                "scan too old: \(name) finished scanning at \(Timestamp.format(finished)), "
                    + "\(ScanAge.describe(age)) ago, over the profile's limit of \(ageLimit)")
        }

        let (blocking, ignored, expired) = classify(attestation.report.vulnerabilities, policy: policy, now: now)
        verdict.blocking = blocking
        verdict.ignored = ignored
        if !blocking.isEmpty {
            refusals.append(
                "\(blocking.count) blocking vulnerabilit\(blocking.count == 1 ? "y" : "ies") \(Self.threshold(policy.blockAt)) "
                    + "in \(name) (\(attestation.report.scanner.rawValue) scan)")
            for vulnerability in blocking.prefix(Self.listedBlockingLimit) {
                let lapsed = expired[vulnerability.id.uppercased()].map { " (its ignore entry expired \($0))" } ?? ""
                refusals.append("blocking vulnerability \(vulnerability.summary)\(lapsed)")
            }
            if blocking.count > Self.listedBlockingLimit {
                refusals.append("… and \(blocking.count - Self.listedBlockingLimit) more blocking vulnerabilities (see --json)")
            }
        }
        if !refusals.isEmpty {
            verdict.admitted = false
            verdict.reasons = refusals
            return verdict
        }
        let found = attestation.report.vulnerabilities.count
        let summary = Severity.allCases.reversed().compactMap { severity -> String? in
            let count = attestation.report.countsBySeverity[severity] ?? 0
            return count > 0 ? "\(count) \(severity)" : nil
        }.joined(separator: ", ")
        verdict.reasons = [
            "\(name) signed by \(attestation.signers.joined(separator: ", "))",
            "\(attestation.report.scanner.rawValue) scan finished \(Timestamp.format(finished)) (\(ScanAge.describe(max(age, 0))) ago)"
                + (ageLimit.map { ", within the profile's limit of \($0)" } ?? ""),
            "no blocking vulnerabilities \(Self.threshold(policy.blockAt)) (\(found) found\(found > 0 ? ": " + summary : "")"
                + (ignored.isEmpty ? "" : "; \(ignored.count) ignored by the profile") + ")",
        ]
        return verdict
    }

    /// How the block level reads in a reason: `at or above high`, or `at any severity` for UNKNOWN.
    static func threshold(_ blockAt: Severity) -> String {
        blockAt == .unknown ? "at any severity" : "at or above \(blockAt)"
    }

    /// Splits findings at or above the block level into blocking and ignored (by an unexpired entry);
    /// `expired` maps upper-cased ids of blocking findings to the expiry of their lapsed ignore entry.
    private func classify(_ vulnerabilities: [Vulnerability], policy: AdmissionPolicy, now: Date)
        -> (blocking: [Vulnerability], ignored: [Vulnerability], expired: [String: String])
    {
        var blocking: [Vulnerability] = []
        var ignored: [Vulnerability] = []
        var expired: [String: String] = [:]
        for vulnerability in vulnerabilities where vulnerability.severity >= policy.blockAt {
            let entries = policy.ignore.filter { $0.id.caseInsensitiveCompare(vulnerability.id) == .orderedSame }
            if entries.contains(where: { $0.applies(at: now) }) {
                ignored.append(vulnerability)
                continue
            }
            blocking.append(vulnerability)
            if let entry = entries.first { expired[vulnerability.id.uppercased()] = entry.expires }
        }
        blocking.sort { lhs, rhs in
            lhs.severity != rhs.severity ? lhs.severity > rhs.severity : (lhs.id, lhs.package) < (rhs.id, rhs.package)
        }
        return (blocking, ignored, expired)
    }
}
