import Admission
import ContentDigest
import Foundation
import Images

/// The attestations an imported archive carried (what `image save` puts beside the image), stored with
/// the image through the attestation store. Storing trusts nothing: the gate verifies them at verify and
/// run as always. Kept are the envelopes the gate would read for this image: cosign vulnerability scans
/// whose subject is its digest, signed by keys trusted now or not (one signed by a key trusted later counts
/// then, as in the store the archive came from), and scans that cannot be judged (they refuse the image,
/// as they did there). Other documents, scans of other images and envelopes altered since a trusted key
/// signed them are skipped with a warning.
struct ImportedAttestations {
    var stored: [String] = []
    var warnings: [String] = []

    /// Stores `imported`'s envelopes; `policy` supplies the keys the warnings name.
    static func store(_ imported: ImportedImage, stateRoot: URL, policy: AdmissionPolicy) throws -> ImportedAttestations {
        var result = ImportedAttestations(warnings: imported.warnings)
        guard !imported.attestations.isEmpty else { return result }
        let digest = try Digest(parsing: imported.image.manifestDigest)
        let keys = AdmissionGate(stateRoot: stateRoot).trustedKeys(for: policy).keys
        let store = AttestationStore(root: stateRoot)
        for envelope in imported.attestations {
            let source = "attestation \(Digest.of(envelope).hex.prefix(12)) from the archive"
            let findings: AttestationIntake.Findings
            do {
                findings = try AttestationIntake.inspect(envelope: envelope, source: source, digest: digest, keys: keys, threshold: policy.threshold)
            } catch {
                result.warnings.append("skipped \(error)")
                continue
            }
            // A scan changed after it was signed (a finding edited away) is dropped here rather than stored
            // inert: no key trusted later could make it count.
            if findings.altered, let untrusted = findings.untrusted {
                result.warnings.append("skipped \(untrusted)")
                continue
            }
            switch findings.problem {
            case .otherImage(let error)?, .notAVulnScan(let error)?:
                result.warnings.append("skipped \(error)")
                continue
            case .unjudgeable(let error)?:
                result.warnings.append("stored \(error); it refuses the image when a trusted key signed it, until removed")
            case nil:
                if let untrusted = findings.untrusted { result.warnings.append("stored \(source), which does not count yet: \(untrusted)") }
            }
            result.warnings += findings.warnings
            do {
                result.stored.append(try store.add(envelope: envelope, for: digest).path)
            } catch {
                result.warnings.append("skipped \(source): \(error)")
            }
        }
        return result
    }

    /// One line for a person, after the image line.
    func print() {
        Swift.print("stored \(stored.count) attestation\(stored.count == 1 ? "" : "s") from the archive (checked by the admission gate when verified or run)")
        for warning in warnings { printError("warning: \(warning)") }
    }
}
