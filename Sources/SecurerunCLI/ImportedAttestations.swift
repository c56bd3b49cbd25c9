import Admission
import ContentDigest
import Foundation
import Images

/// The attestations an imported archive carried (what `image save` puts beside the image), stored with
/// the image by the intake rule every route shares (`AttestationIntake.take`): the gate verifies them at
/// verify and run as always. This only prints what was stored and skipped.
struct ImportedAttestations {
    var stored: [String] = []
    var warnings: [String] = []

    /// Stores `imported`'s envelopes; `policy` supplies the trusted keys and threshold.
    static func store(_ imported: ImportedImage, stateRoot: URL, policy: AdmissionPolicy) throws -> ImportedAttestations {
        var result = ImportedAttestations(warnings: imported.warnings)
        guard !imported.attestations.isEmpty else { return result }
        let outcome = AttestationIntake.take(
            imported.attestations.map { .init(envelope: $0, source: "attestation \(Digest.of($0).hex.prefix(12)) from the archive") },
            digest: try Digest(parsing: imported.image.manifestDigest), keys: AdmissionGate(stateRoot: stateRoot).trustedKeys(for: policy).keys,
            threshold: policy.threshold, store: AttestationStore(root: stateRoot), again: "import the archive again")
        result.stored = outcome.stored.map(\.file.path)
        result.warnings += outcome.warnings
        if outcome.otherPredicates > 0 {
            result.warnings.append(
                "skipped \(outcome.otherPredicates) attestation\(outcome.otherPredicates == 1 ? "" : "s") of other kinds (only vulnerability scans are judged)")
        }
        return result
    }

    /// One line for a person, after the image line.
    func print() {
        Swift.print("stored \(stored.count) attestation\(stored.count == 1 ? "" : "s") from the archive (checked by the admission gate when verified or run)")
        for warning in warnings { printError("warning: \(warning)") }
    }
}
