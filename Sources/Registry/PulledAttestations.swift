import Admission
import ContentDigest
import Foundation
import Images

/// The attestations `image pull` found in the registry for the pulled digest and stored with it, as they
/// were served. Only envelopes that could count are stored: signed by trusted keys, a vulnerability scan,
/// of this image; a signed scan that cannot be judged is stored too (it refuses the image, fail closed).
/// At most `AttestationLimits.maxPerImage` per image, newest scans first. The workflow behind `image pull`
/// (the CLI only prints it).
public struct PulledAttestations: Encodable, Sendable {
    /// One stored envelope or bundle.
    public struct Stored: Encodable, Sendable {
        /// The file in the attestation store.
        public var file: String
        /// `att-tag`, `referrers` or `referrers-tag`.
        public var location: RegistryAttestation.Location
        /// The registry manifest it came from.
        public var origin: String
        /// The blob's media type and digest.
        public var mediaType: String
        public var digest: String
    }

    public var stored: [Stored] = []
    /// Attestations skipped, and problems the gate will refuse stored ones for (one line each).
    public var warnings: [String] = []
    /// Attestations of other predicate types (SBOM, provenance); not fetched into the store, since the gate
    /// reads only vulnerability scans.
    public var otherPredicates = 0

    /// Looks for `image`'s attestations in `repository` with `client`, and stores those that could count.
    /// `policy` supplies the trusted keys and threshold.
    public static func fetch(
        for image: StoredImage, repository: String, client: RegistryClient, policy: AdmissionPolicy, stateRoot: URL
    ) async throws -> PulledAttestations {
        let subject = try Digest(parsing: image.manifestDigest)
        let scan = await client.attestations(repository: repository, for: try Digest(parsing: image.manifestDigest))
        let keys = AdmissionGate(stateRoot: stateRoot).trustedKeys(for: policy).keys
        let store = AttestationStore(root: stateRoot)
        var result = PulledAttestations(warnings: scan.warnings)
        var keep: [(attestation: RegistryAttestation, findings: AttestationIntake.Findings)] = []
        for attestation in scan.attestations {
            // The annotation is unsigned; honouring it can only leave an attestation out, never admit one.
            if let claimed = attestation.predicateType, claimed != VulnPredicate.predicateType {
                result.otherPredicates += 1
                continue
            }
            let source = "attestation \(attestation.digest) from \(attestation.origin)"
            let findings: AttestationIntake.Findings
            do {
                findings = try AttestationIntake.inspect(
                    envelope: attestation.data, source: source, digest: subject, keys: keys, threshold: policy.threshold)
            } catch {
                result.warn("skipped \(error)")
                continue
            }
            if case .notAVulnScan? = findings.problem {
                result.otherPredicates += 1
                continue
            }
            if let untrusted = findings.untrusted {
                result.warn("skipped \(untrusted); trust its signer's key ('securerun key trust') and pull again to keep it")
                continue
            }
            if case .otherImage(let error)? = findings.problem {
                result.warn("skipped \(error)")
                continue
            }
            if case .unjudgeable(let error)? = findings.problem {
                result.warn("stored \(error); it is signed by a trusted key, so it refuses the image until removed")
            }
            for warning in findings.warnings { result.warn(warning) }
            keep.append((attestation, findings))
        }
        // The newest scans are kept when there are more than the image may hold (unjudgeable ones first:
        // they refuse whatever their date).
        keep.sort { ($0.findings.scanFinishedOn ?? .distantFuture) > ($1.findings.scanFinishedOn ?? .distantFuture) }
        var overLimit: [String] = []
        for (attestation, _) in keep {
            do {
                let file = try store.add(envelope: attestation.data, for: subject)
                result.stored.append(
                    Stored(
                        file: file.path, location: attestation.location, origin: attestation.origin, mediaType: attestation.mediaType,
                        digest: attestation.digest.description))
            } catch AdmissionError.tooManyAttestations {
                overLimit.append(attestation.digest.description)
            }
        }
        if !overLimit.isEmpty {
            result.warn(
                "skipped \(overLimit.count) older attestation\(overLimit.count == 1 ? "" : "s") over the limit of "
                    + "\(AttestationLimits.maxPerImage) per image (\(overLimit.joined(separator: ", "))); "
                    + "remove old ones with 'securerun image attestation rm' and pull again")
        }
        return result
    }

    private mutating func warn(_ line: String) {
        if !warnings.contains(line) { warnings.append(line) }
    }
}
