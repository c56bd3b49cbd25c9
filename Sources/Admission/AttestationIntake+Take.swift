import ContentDigest
import Foundation

extension AttestationIntake {
    /// One envelope arriving with an image, and where it came from (for messages).
    public struct Candidate: Sendable {
        public var envelope: Data
        /// Where it came from, as messages name it.
        public var source: String
        /// A short name for lists (its digest).
        public var name: String

        public init(envelope: Data, source: String, name: String? = nil) {
            self.envelope = envelope
            self.source = source
            self.name = name ?? source
        }
    }

    /// What ``take(_:digest:keys:threshold:store:again:now:)`` did with the candidates.
    public struct Outcome: Sendable {
        /// The stored file of each candidate kept, by its index in the candidates.
        public var stored: [(index: Int, file: URL)] = []
        /// What was skipped, and what the gate will think of what was stored (one line each, no repeats).
        public var warnings: [String] = []
        /// Attestations of other predicate types (SBOM, provenance): not stored, since the gate reads only
        /// vulnerability scans.
        public var otherPredicates = 0

        mutating func warn(_ line: String) {
            if !warnings.contains(line) { warnings.append(line) }
        }
    }

    /// The one intake rule for attestations that arrive with an image, pulled from a registry or imported
    /// from an archive. Storing trusts nothing (the gate judges what is stored at every verify and start);
    /// this keeps what could count, now or once a key is trusted, and says what the gate will think:
    /// - kept: vulnerability scans of this image; one signed by trusted keys that cannot be judged is kept
    ///   too (it refuses the image, fail closed); one no trusted key signed yet is kept inert;
    /// - skipped: what does not parse, other predicates, scans of other images, and scans changed after a
    ///   trusted key signed them (no key trusted later could make them count);
    /// - at most `AttestationLimits.maxPerImage` per image: trusted ones first, each group newest scan first,
    ///   so envelopes nobody trusts cannot crowd out the scan that admits the image (`again` says how to
    ///   take the skipped ones later: "pull again").
    public static func take(
        _ candidates: [Candidate], digest: Digest, keys: [TrustedKey], threshold: Int, store: AttestationStore, again: String,
        now: Date = Date()
    ) -> Outcome {
        var outcome = Outcome()
        var keep: [(index: Int, trusted: Bool, finished: Date?)] = []
        for (index, candidate) in candidates.enumerated() {
            let findings: Findings
            do {
                findings = try inspect(envelope: candidate.envelope, source: candidate.source, digest: digest, keys: keys, threshold: threshold, now: now)
            } catch {
                outcome.warn("skipped \(error)")
                continue
            }
            switch findings.problem {
            case .notAVulnScan?:
                outcome.otherPredicates += 1
                continue
            case .otherImage(let error)?:
                outcome.warn("skipped \(error)")
                continue
            case .unjudgeable, nil:
                break
            }
            if findings.altered, let untrusted = findings.untrusted {
                outcome.warn("skipped \(untrusted)")
                continue
            }
            if case .unjudgeable(let error)? = findings.problem {
                outcome.warn("stored \(error); it refuses the image when a trusted key signed it, until removed")
            } else if let untrusted = findings.untrusted {
                outcome.warn("stored \(candidate.source), which does not count yet: \(untrusted)")
            }
            for warning in findings.warnings { outcome.warn(warning) }
            keep.append((index, findings.untrusted == nil, findings.scanFinishedOn))
        }
        keep.sort {
            $0.trusted != $1.trusted ? $0.trusted : ($0.finished ?? .distantFuture) > ($1.finished ?? .distantFuture)
        }
        var overLimit: [String] = []
        for kept in keep {
            let candidate = candidates[kept.index]
            do {
                outcome.stored.append((kept.index, try store.add(envelope: candidate.envelope, for: digest)))
            } catch AdmissionError.tooManyAttestations {
                overLimit.append(candidate.name)
            } catch {
                outcome.warn("skipped \(candidate.source): \(error)")
            }
        }
        if !overLimit.isEmpty {
            outcome.warn(
                "skipped \(overLimit.count) older attestation\(overLimit.count == 1 ? "" : "s") over the limit of "
                    + "\(AttestationLimits.maxPerImage) per image (\(overLimit.joined(separator: ", "))); "
                    + "remove old ones with 'securerun image attestation rm' and \(again)")
        }
        outcome.stored.sort { $0.index < $1.index }
        return outcome
    }
}
