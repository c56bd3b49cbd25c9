import Admission
import Foundation
import Images

/// The attestations `image pull` found in the registry for the pulled digest and stored with it, as they
/// were served. Storing trusts nothing: the admission gate verifies them when the image is verified or run.
struct PulledAttestations: Encodable {
    /// One stored envelope or bundle.
    struct Stored: Encodable {
        /// The file in the attestation store.
        var file: String
        /// `att-tag`, `referrers` or `referrers-tag`.
        var location: RegistryAttestation.Location
        /// The registry manifest it came from.
        var origin: String
        /// The blob's media type and digest.
        var mediaType: String
        var digest: String
    }

    var stored: [Stored] = []
    /// Attestations skipped, and problems the gate will refuse stored ones for (one line each).
    var warnings: [String] = []
    /// Attestations of other predicate types (SBOM, provenance) the registry's annotations named; not fetched
    /// into the store, since the gate reads only vulnerability scans.
    var otherPredicates = 0

    /// Looks for `image`'s attestations in `repository` with `client`, and stores each that parses as a
    /// DSSE envelope (bare or in a Sigstore bundle) with the image. `policy` supplies the trusted keys used
    /// only to warn now about what the gate will refuse later.
    static func fetch(
        for image: StoredImage, repository: String, client: RegistryClient, policy: AdmissionPolicy, stateRoot: URL
    ) async throws -> PulledAttestations {
        let subject = try ImageDigest(image.manifestDigest)
        let scan = await client.attestations(repository: repository, for: try Digest(parsing: image.manifestDigest))
        let keys = AdmissionGate(stateRoot: stateRoot).trustedKeys(for: policy).keys
        let store = AttestationStore(root: stateRoot)
        var result = PulledAttestations(warnings: scan.warnings)
        for attestation in scan.attestations {
            // The annotation is unsigned; honouring it can only leave an attestation out, never admit one.
            if let claimed = attestation.predicateType, claimed != VulnPredicate.predicateType {
                result.otherPredicates += 1
                continue
            }
            let source = "attestation \(attestation.digest) from \(attestation.origin)"
            let findings: AttestationIntake.Findings
            do {
                findings = try AttestationIntake.inspect(envelope: attestation.data, source: source, digest: subject, keys: keys)
            } catch {
                result.warnings.append("skipped \(error)")
                continue
            }
            let file = try store.add(envelope: attestation.data, for: subject)
            result.stored.append(
                Stored(
                    file: file.path, location: attestation.location, origin: attestation.origin, mediaType: attestation.mediaType,
                    digest: attestation.digest.description))
            // "no trusted keys" and the like would repeat once per attestation.
            result.warnings += findings.warnings.filter { !result.warnings.contains($0) }
        }
        return result
    }

    /// Prints the pulled image and these attestations: JSON (the image's fields plus `attestations`), or
    /// the image line and a count; warnings go to stderr either way.
    func print(after image: StoredImage, json: Bool) throws {
        if json {
            Swift.print(try jsonString(PullOutput(image: image, attestations: self)))
        } else {
            try printImported(image, json: false)
            let count = "stored \(stored.count) attestation\(stored.count == 1 ? "" : "s") for \(image.manifestDigest)"
            let note = stored.isEmpty ? " (none found in the registry)" : " (checked by the admission gate when verified or run)"
            Swift.print(count + note)
        }
        for warning in warnings { printError("warning: \(warning)") }
    }
}

/// `image pull --json`: the stored image's fields with `attestations` beside them.
private struct PullOutput: Encodable {
    var image: StoredImage
    var attestations: PulledAttestations

    enum CodingKeys: String, CodingKey { case attestations }

    func encode(to encoder: Encoder) throws {
        try image.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(attestations, forKey: .attestations)
    }
}
