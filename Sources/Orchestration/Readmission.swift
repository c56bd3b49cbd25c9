import Foundation
import HostSystem
import Policy

/// The start decision taken again for a container that already exists (`docker start` and `docker
/// restart` through the drop-in): the same `ContainerStart.prepare()` `run` goes through, for the record's
/// image digest, request and profile, now. An image whose attestation is gone, whose key was withdrawn or
/// whose scan went stale is refused with `run`'s own message; so is a profile that would now refuse the
/// request, or give it another spec than the one the engine's container was created with.
enum Readmission {
    static func check(_ record: ContainerRecord, stateRoot: URL, verb: String) throws {
        var request = record.request
        // The digest, never the name: a tag moved since the container was created must not decide.
        request.image = record.imageDigest
        let start = ContainerStart(request: request, profileName: record.profileSource, runtime: record.runtime, dryRun: true, stateRoot: stateRoot)
        let prepared: PreparedContainer
        do {
            prepared = try start.prepare()
        } catch OrchestrationError.notAdmitted(_, let digest, let profile, let reasons) {
            throw OrchestrationError.notAdmitted(image: record.image, digest: digest, profile: profile, reasons: reasons)
        }
        let directory = StateLayout(root: stateRoot).directory(of: record.id)
        let created = try? FileContents.read(directory.appendingPathComponent("spec.json").path, limit: 16 << 20)
        guard let created, Array(try Audit.encoder.encode(prepared.hardened)) == created else {
            throw Refusal(
                .startAsCreated,
                "\(verb) \(record.displayName) refused: profile \"\(prepared.profile.name)\" now gives this container another spec than the one it was created with; remove it and run it again"
            )
        }
    }
}
