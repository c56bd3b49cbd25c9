import ContentDigest
import Foundation

/// Checks an envelope made elsewhere before it is stored with an image (`image attestation add`,
/// `image pull`). Storing trusts nothing; this only keeps out what could never count, and says early
/// what the gate will think.
public enum AttestationIntake {
    /// What is wrong with an envelope's content, if anything.
    public enum Problem: Sendable, Equatable {
        /// Its subject is another image.
        case otherImage(AdmissionError)
        /// It is not a cosign vulnerability scan (an SBOM, provenance, another predicate type).
        case notAVulnScan(AdmissionError)
        /// A vulnerability scan of this image that cannot be judged (the gate refuses the image for it
        /// when trusted keys signed it).
        case unjudgeable(AdmissionError)

        /// The error that says what is wrong.
        public var error: AdmissionError {
            switch self {
            case .otherImage(let error), .notAVulnScan(let error), .unjudgeable(let error): return error
            }
        }
    }

    /// What inspecting one envelope found.
    public struct Findings: Sendable, Equatable {
        /// Trusted keys that verify it now.
        public var signers: [String]
        /// Why it is not (yet) signed by enough trusted keys; nil when it is.
        public var untrusted: String?
        /// Whether a signature names a trusted key but does not verify with it: the payload or signature was
        /// changed after signing, so trusting a key later can never make it count.
        public var altered = false
        /// What is wrong with its content; nil when the gate can judge it.
        public var problem: Problem?
        /// When the scan finished, when it can be read.
        public var scanFinishedOn: Date?
        /// Other things worth saying (a scan dated in the future).
        public var warnings: [String]
    }

    /// Parses `envelope` (DSSE JSON or a Sigstore bundle carrying an in-toto statement, with at least one
    /// signature; throws if not), checks its signatures against `keys`, and reads its statement: subject,
    /// predicate type, scan times, report. `now` dates the future-scan warning.
    public static func inspect(
        envelope data: Data, source: String, digest: Digest, keys: [TrustedKey], threshold: Int = 1, now: Date = Date()
    ) throws -> Findings {
        guard data.count <= AttestationLimits.maxEnvelopeBytes else {
            throw AdmissionError.attestationTooLarge(source: source, bytes: data.count, limit: AttestationLimits.maxEnvelopeBytes)
        }
        let envelope = try DSSEEnvelope.parse(data, source: source)
        guard envelope.payloadType == DSSEEnvelope.inTotoPayloadType else {
            throw AdmissionError.unsupportedPayloadType(source: source, payloadType: envelope.payloadType)
        }
        guard !envelope.signatures.isEmpty else { throw AdmissionError.noSignatures(source: source) }
        let payload = try envelope.payloadBytes(source: source)
        var findings = Findings(signers: [], untrusted: nil, problem: nil, scanFinishedOn: nil, warnings: [])
        if keys.isEmpty {
            findings.untrusted = "\(AdmissionError.noTrustedKeys)"
        } else {
            let checks = envelope.check(keys: keys, payload: payload)
            findings.signers = keys.filter { checks[$0.key.keyID] == .valid }.map(\.name)
            if findings.signers.count < max(threshold, 1) {
                findings.altered = checks.values.contains(.invalidHinted)
                let error = DSSEEnvelope.failure(
                    checks: checks, keys: keys, keyIDs: envelope.signatures.map { $0.keyid ?? "" }, threshold: threshold, source: source)
                findings.untrusted = "\(error)"
            }
        }
        do {
            let statement = try AttestationPayload.read(payload, source: source)
            guard statement.isVulnScan else {
                findings.problem = .notAVulnScan(.wrongPredicateType(source: source, predicateType: statement.statement.predicateType))
                return findings
            }
            guard statement.statement.names(digest) else {
                findings.problem = .otherImage(
                    .subjectMismatch(source: source, expected: digest.description, found: statement.statement.sha256Subjects))
                return findings
            }
            let predicate = try statement.vulnPredicate()
            findings.scanFinishedOn = predicate.scanFinishedOn
            if predicate.scanFinishedOn.timeIntervalSince(now) > AttestationLimits.clockSkew {
                findings.warnings.append(
                    "\(source): the scan finished in the future (\(Timestamp.format(predicate.scanFinishedOn))); it counts as finished "
                        + "when stored, and refuses the image until a newer scan is stored")
            }
        } catch let error as AdmissionError {
            findings.problem = .unjudgeable(error)
        }
        return findings
    }
}
