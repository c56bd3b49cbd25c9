import Foundation
import HostSystem
import Policy

/// The start decision taken again for a container that already exists (`docker start` and `docker
/// restart` through the drop-in, and each restart a restart policy makes): the same
/// `ContainerStart.prepare()` `run` goes through, for the record's image digest, request and profile, now.
/// An image whose attestation is gone, whose key was withdrawn or whose scan went stale is refused with
/// `run`'s own message; so is a profile that would now refuse the request, or give it another spec than
/// the one the container was created with.
enum Readmission {
    static func check(_ record: ContainerRecord, stateRoot: URL, verb: String) throws {
        _ = try prepare(record, stateRoot: stateRoot, verb: verb, dryRun: true)
    }

    /// The decision, and what to launch when it allows the start (with `dryRun` false, the image is held
    /// for use until the caller releases `imageHold`).
    static func prepare(_ record: ContainerRecord, stateRoot: URL, verb: String, dryRun: Bool) throws -> PreparedContainer {
        var request = record.request
        // The digest, never the name: a tag moved since the container was created must not decide.
        request.image = record.imageDigest
        let start = ContainerStart(request: request, profileName: record.profileSource, runtime: record.runtime, dryRun: dryRun, stateRoot: stateRoot)
        let prepared: PreparedContainer
        do {
            prepared = try start.prepare()
        } catch OrchestrationError.notAdmitted(_, let digest, let profile, let reasons) {
            throw OrchestrationError.notAdmitted(image: record.image, digest: digest, profile: profile, reasons: reasons)
        }
        let directory = StateLayout(root: stateRoot).directory(of: record.id)
        let created = try? FileContents.read(directory.appendingPathComponent("spec.json").path, limit: 16 << 20)
        guard let created, Array(try Audit.encoder.encode(prepared.hardened)) == created else {
            prepared.imageHold?.release()
            throw Refusal(
                .startAsCreated,
                "\(verb) \(record.displayName) refused: profile \"\(prepared.profile.name)\" now gives this container another spec than the one it was created with; remove it and run it again"
            )
        }
        return prepared
    }
}
