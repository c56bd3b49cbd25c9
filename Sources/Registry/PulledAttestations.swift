import Admission
import ContentDigest
import Foundation
import Images

/// The attestations `image pull` found in the registry for the pulled digest and stored with it, as they
/// were served, by the intake rule every route shares (`AttestationIntake.take`). The workflow behind
/// `image pull` (the CLI only prints it).
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
    /// How many envelopes and bundles the registry served (before the intake rule): none with warnings means
    /// the registry could not be read, not that it has none.
    public var served = 0

    // `served` is for the webhook's reading of a fetch; `image pull --json` prints what it printed before.
    enum CodingKeys: String, CodingKey { case stored, warnings, otherPredicates }

    /// Looks for `image`'s attestations in `repository` with `client`, and stores those that could count.
    /// `policy` supplies the trusted keys and threshold.
    public static func fetch(
        for image: StoredImage, repository: String, client: RegistryClient, policy: AdmissionPolicy, stateRoot: URL
    ) async throws -> PulledAttestations {
        let subject = try Digest(parsing: image.manifestDigest)
        return await fetch(
            subject: subject, repository: repository, client: client, policy: policy, stateRoot: stateRoot, into: AttestationStore(root: stateRoot))
    }

    /// Looks for the attestations of the manifest `subject` in `repository` with `client`, and keeps those
    /// that could count in `store` (the state root's store for `image pull`; the admission webhook's cache).
    /// Trusted keys come from `policy` and `stateRoot`.
    public static func fetch(
        subject: Digest, repository: String, client: RegistryClient, policy: AdmissionPolicy, stateRoot: URL, into store: AttestationStore
    ) async -> PulledAttestations {
        let scan = await client.attestations(repository: repository, for: subject)
        let keys = AdmissionGate(stateRoot: stateRoot).trustedKeys(for: policy).keys
        var result = PulledAttestations(warnings: scan.warnings)
        result.served = scan.attestations.count
        var candidates: [RegistryAttestation] = []
        for attestation in scan.attestations {
            // The annotation is unsigned; honouring it can only leave an attestation out, never admit one.
            if let claimed = attestation.predicateType, claimed != VulnPredicate.predicateType {
                result.otherPredicates += 1
                continue
            }
            candidates.append(attestation)
        }
        // The one intake rule pull, import and add share.
        let outcome = AttestationIntake.take(
            candidates.map { .init(envelope: $0.data, source: "attestation \($0.digest) from \($0.origin)", name: $0.digest.description) },
            digest: subject, keys: keys, threshold: policy.threshold, store: store, again: "pull again")
        result.otherPredicates += outcome.otherPredicates
        for warning in outcome.warnings { result.warn(warning) }
        for (index, file) in outcome.stored {
            let attestation = candidates[index]
            result.stored.append(
                Stored(
                    file: file.path, location: attestation.location, origin: attestation.origin, mediaType: attestation.mediaType,
                    digest: attestation.digest.description))
        }
        return result
    }

    private mutating func warn(_ line: String) {
        if !warnings.contains(line) { warnings.append(line) }
    }
}
