import ContentDigest
import Foundation
import HostSystem

/// Decides whether an image may run: the newest valid attestation (by `scanFinishedOn`, not the first
/// found: kyverno#3195) must be signed by trusted keys, name the image, be fresh enough and carry no
/// blocking finding. Reads only local files; verification never touches the network.
///
/// Fail closed: an attestation signed by trusted keys that cannot be judged refuses the image, whatever
/// else is stored; envelopes that are unsigned, signed only by untrusted keys, about another image or
/// of another predicate type never count for or against (they are noted). A scan dated after the moment
/// securerun stored it counts as finished when it was stored: while it is the newest it refuses the image,
/// and any valid scan finishing after that moment supersedes it.
public struct AdmissionGate: Sendable {
    /// The securerun state root (`attestations/`, `trusted-keys/`, `cache/attestations/`).
    public let stateRoot: URL
    /// Envelopes fetched for this decision from the image's registry (the admission webhook's cache), judged
    /// together with the stored ones: a newer refusing scan in either place is never hidden by an older
    /// passing one in the other.
    public let fetched: AttestationStore?

    /// How many blocking findings the reasons list one by one; `Verdict.blocking` has them all.
    public static let listedBlockingLimit = 10

    /// A gate over `stateRoot`; `<root>/trusted-keys/*.pub` are trusted in addition to the policy's keys.
    /// `fetched`, when given, holds more envelopes of the image, judged as if they were stored.
    public init(stateRoot: URL, fetched: AttestationStore? = nil) {
        self.stateRoot = stateRoot
        self.fetched = fetched
    }

    /// The envelopes of `digest` the decision reads: the stored ones, then the fetched ones whose bytes are
    /// not stored already.
    func attestationEntries(for digest: Digest) -> [StoredAttestation] {
        let stored = AttestationStore(root: stateRoot).entries(for: digest)
        guard let fetched else { return stored }
        let known = Set(stored.map(\.envelopeHex))
        return stored + fetched.entries(for: digest).filter { !known.contains($0.envelopeHex) }
    }

    /// The directory of keys trusted with `securerun key trust`.
    public var trustedKeysDirectory: URL {
        StateRoot(stateRoot).trustedKeys
    }

    /// The keys `policy` trusts plus those in `trusted-keys/`, and any problems reading them.
    public func trustedKeys(for policy: AdmissionPolicy) -> (keys: [TrustedKey], problems: [String]) {
        var paths = policy.trustedKeys
        if FileManager.default.fileExists(atPath: trustedKeysDirectory.path) { paths.append(trustedKeysDirectory.path) }
        return TrustedKey.load(paths: paths)
    }

    /// What a profile opts out of, printed by `image verify` as warnings.
    public static func warnings(for policy: AdmissionPolicy) -> [String] {
        var warnings: [String] = []
        if policy.allowUnattested {
            warnings.append("the profile admits images without a valid attestation (allowUnattested: true)")
        }
        if policy.maxScanAge == AdmissionPolicy.unlimitedScanAge {
            warnings.append("the profile sets no maximum scan age (maxScanAge: unlimited): a scan of any age admits")
        }
        return warnings
    }

    /// How each stored attestation of `imageDigest` stands under `policy`'s keys and threshold, read
    /// through the cache (for `image attestation ls`).
    public func standings(imageDigest: Digest, policy: AdmissionPolicy) -> [(StoredAttestation, AttestationStanding)] {
        let assessor = assessor(digest: imageDigest, policy: policy)
        return attestationEntries(for: imageDigest).map { entry in (entry, assessor.assess(entry).standing) }
    }

    /// The verdict of one attestation judged alone (as if it were the only one stored), for listings.
    public func verdict(alone entry: StoredAttestation, imageDigest: Digest, policy: AdmissionPolicy, now: Date = Date()) -> Verdict {
        let assessor = assessor(digest: imageDigest, policy: policy)
        let assessment = assessor.assess(entry, useCache: false)
        guard case .candidate(let candidate) = assessment.standing, let checked = assessment.checked else {
            switch assessment.standing {
            case .ignored(let reason): return Verdict(admitted: false, imageDigest: imageDigest.description, reasons: ["not counted: \(reason)"])
            case .refuses(let reason): return Verdict(admitted: false, imageDigest: imageDigest.description, reasons: [reason])
            case .candidate: return Verdict(admitted: false, imageDigest: imageDigest.description, reasons: ["\(entry.source): cannot be read"])
            }
        }
        let ageLimit: ScanAge?
        do { ageLimit = try policy.scanAgeLimit() } catch {
            return Verdict(admitted: false, imageDigest: imageDigest.description, reasons: ["\(error)"])
        }
        return judge(checked, candidate: candidate, digest: imageDigest, policy: policy, ageLimit: ageLimit, now: now).verdict
    }

    private func assessor(digest: Digest, policy: AdmissionPolicy) -> AttestationAssessor {
        AttestationAssessor(
            store: AttestationStore(root: stateRoot), cache: AttestationCache(root: stateRoot), digest: digest,
            keys: trustedKeys(for: policy).keys, threshold: max(policy.threshold, 1))
    }

    /// The verdict for `imageDigest` (`sha256:<hex>`) under `policy` at time `now`: an admission reached
    /// before from the same envelopes, keys and policy, while it still holds (`VerdictCache`), else
    /// decided now.
    public func verdict(imageDigest: String, policy: AdmissionPolicy, now: Date = Date()) -> Verdict {
        let cache = VerdictCache(stateRoot: stateRoot)
        var key: String?
        if let digest = try? Digest(parsing: imageDigest) {
            var keyPaths = policy.trustedKeys
            keyPaths.append(trustedKeysDirectory.path)
            // The fetched envelopes are inputs too: a verdict reached with them is not one reached without.
            let directories = [AttestationStore(root: stateRoot), fetched].compactMap { $0?.directory(for: digest) }
            key = cache.key(digest: digest, policy: policy, attestations: directories, keyPaths: keyPaths)
        }
        if let key, let cached = cache.load(key, now: now) { return cached }
        var scan: AdmittedScan?
        var verdict = decide(imageDigest: imageDigest, policy: policy, now: now, scan: &scan)
        verdict.warnings = Self.warnings(for: policy)
        if let key { cache.save(verdict, scan: scan, policy: policy, for: key, now: now) }
        return verdict
    }

    /// The decision itself; `scan` gets what the reasons of an admission by a scan rest on.
    private func decide(imageDigest: String, policy: AdmissionPolicy, now: Date, scan: inout AdmittedScan?) -> Verdict {
        let digest: Digest
        let ageLimit: ScanAge?
        do {
            digest = try Digest(parsing: imageDigest)
            ageLimit = try policy.scanAgeLimit()
        } catch {
            return Verdict(admitted: false, imageDigest: imageDigest, reasons: ["\(error)"])
        }
        let (keys, keyProblems) = trustedKeys(for: policy)
        let store = AttestationStore(root: stateRoot)
        let entries = attestationEntries(for: digest)
        if entries.isEmpty {
            if policy.allowUnattested {
                return Verdict(
                    admitted: true, imageDigest: digest.description,
                    reasons: ["no attestation for \(digest); admitted because the profile sets allowUnattested: true"],
                    notes: keyProblems)
            }
            return Verdict(
                admitted: false, imageDigest: digest.description,
                reasons: [
                    "no attestation for \(digest) in \(store.directory(for: digest).path)"
                        + (fetched == nil ? "" : " nor in the image's registry") + "; create one with "
                        + "'securerun image attest' or add one with 'securerun image attestation add'"
                ], notes: keyProblems)
        }
        let assessor = AttestationAssessor(
            store: store, cache: AttestationCache(root: stateRoot), digest: digest, keys: keys, threshold: max(policy.threshold, 1))
        var assessments = entries.map { assessor.assess($0) }

        // Each pass either decides or re-reads (uncached) one of the envelopes that would decide, so the
        // cache can only ever save work, never make the decision: at most one pass per envelope.
        while true {
            let ignored = assessments.compactMap { assessment -> String? in
                if case .ignored(let reason) = assessment.standing { return reason }
                return nil
            }
            let refusing = assessments.compactMap { assessment -> String? in
                if case .refuses(let reason) = assessment.standing { return reason }
                return nil
            }
            if !refusing.isEmpty {
                return Verdict(
                    admitted: false, imageDigest: digest.description, reasons: unique(refusing), notes: keyProblems + unique(ignored).map { "skipped \($0)" })
            }
            let candidates = assessments.indices.compactMap { index -> (Int, AttestationStanding.Candidate)? in
                if case .candidate(let candidate) = assessments[index].standing { return (index, candidate) }
                return nil
            }
            guard let latest = candidates.map(\.1.effectiveDate).max() else {
                if policy.allowUnattested {
                    return Verdict(
                        admitted: true, imageDigest: digest.description,
                        reasons: ["no valid attestation for \(digest); admitted because the profile sets allowUnattested: true"],
                        notes: keyProblems + unique(ignored))
                }
                return Verdict(admitted: false, imageDigest: digest.description, reasons: unique(ignored), notes: keyProblems)
            }
            // Scans that count as finished at the same moment are equally current, so the strictest of them
            // decides: a clean report must not hide a blocking one because of how files happen to sort.
            let newest = candidates.filter { $0.1.effectiveDate == latest }
            if let stale = newest.first(where: { assessments[$0.0].checked == nil }) {
                assessments[stale.0] = assessor.assess(assessments[stale.0].entry, useCache: false)
                continue
            }
            let judged = newest.compactMap { index, candidate in
                assessments[index].checked.map { judge($0, candidate: candidate, digest: digest, policy: policy, ageLimit: ageLimit, now: now) }
            }
            let decisive = judged.firstIndex { !$0.verdict.admitted } ?? 0
            guard judged.indices.contains(decisive) else {
                return Verdict(admitted: false, imageDigest: digest.description, reasons: ["no attestation of \(digest) could be read twice alike"])
            }
            let chosen = assessments[newest[decisive].0].entry.file
            var notes = keyProblems + unique(ignored).map { "skipped \($0)" }
            notes += candidates.filter { assessments[$0.0].entry.file != chosen }.map { index, candidate in
                let name = assessments[index].entry.file.lastPathComponent
                return candidate.effectiveDate == latest
                    ? "also considered attestation \(name): scan finished at the same time"
                    : "skipped attestation \(name): older scan (\(Timestamp.format(candidate.scanFinishedOn)))"
            }
            var verdict = judged[decisive].verdict
            verdict.notes = notes
            scan = verdict.admitted ? judged[decisive].scan : nil
            return verdict
        }
    }

    private func unique(_ lines: [String]) -> [String] {
        var seen: Set<String> = []
        return lines.filter { seen.insert($0).inserted }
    }

    /// Applies freshness and the severity rule to the chosen attestation.
    private func judge(
        _ attestation: CheckedAttestation, candidate: AttestationStanding.Candidate, digest: Digest, policy: AdmissionPolicy,
        ageLimit: ScanAge?, now: Date
    ) -> (verdict: Verdict, scan: AdmittedScan?) {
        let name = "attestation \(attestation.file.lastPathComponent)"
        let finished = attestation.predicate.scanFinishedOn
        var verdict = Verdict(admitted: true, imageDigest: digest.description, reasons: [])
        verdict.attestation = attestation.file.path
        verdict.signedBy = attestation.signers
        verdict.scanner = attestation.report.scanner.rawValue
        verdict.scanFinishedOn = Timestamp.format(finished)
        verdict.counts = Dictionary(
            uniqueKeysWithValues: attestation.report.countsBySeverity.map { ($0.key.description, $0.value) })

        var refusals: [String] = []
        let age = now.timeIntervalSince(finished)
        if candidate.isFutureDated || -age > AttestationLimits.clockSkew {
            let stored = Timestamp.format(candidate.storedAt)
            refusals.append(
                "\(name): metadata.scanFinishedOn \(Timestamp.format(finished)) is in the future (stored \(stored)); check the scanner's clock; "
                    + "it refuses the image until a scan finishing after \(stored) is stored, or it is removed with 'securerun image attestation rm'")
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
            return (verdict, nil)
        }
        let found = attestation.report.vulnerabilities.count
        let summary = Severity.allCases.reversed().compactMap { severity -> String? in
            let count = attestation.report.countsBySeverity[severity] ?? 0
            return count > 0 ? "\(count) \(severity)" : nil
        }.joined(separator: ", ")
        let scan = AdmittedScan(
            attestation: name, signers: attestation.signers, scanner: attestation.report.scanner.rawValue, finished: finished,
            ageLimit: ageLimit?.description, ageLimitSeconds: ageLimit?.seconds, threshold: Self.threshold(policy.blockAt), found: found,
            summary: summary, ignoredCount: ignored.count)
        verdict.reasons = scan.reasons(now: now)
        return (verdict, scan)
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
