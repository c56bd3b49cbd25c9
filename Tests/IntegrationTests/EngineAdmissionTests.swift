import Foundation
import Testing

/// Admission is decided before the engine sees anything: an image securerun refuses is never loaded into
/// dockerd (where a plain `docker run IMAGE_ID` could start it unseen) and no container is created for it.
@Suite("docker backend: an image admission refuses never reaches the engine", .sharedHost)
struct EngineAdmissionTests {
    @Test(
        "a refused run --runtime docker (no attestation) exits 125 and the engine holds neither the image nor a container; once attested, the same image is loaded"
    )
    func refusedImageNeverLoaded() throws {
        guard let run = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        // An image of its own (one unique file more), so no other test can have loaded the same image id.
        let scratch = try TemporaryDirectory("securerun-engine-gate")
        let rootfs = scratch.url.appendingPathComponent("rootfs")
        try FileManager.default.copyItem(at: run.rootfs, to: rootfs)
        try UUID().uuidString.write(to: rootfs.appendingPathComponent("etc/unique"), atomically: true, encoding: .utf8)
        let fixture = try AdmissionFixture(image: "test/engine-gate:1", rootfs: rootfs)
        let engineID = fixture.configDigest
        defer { _ = try? CLI.exec("docker", ["rmi", "-f", engineID], timeout: 60) }
        #expect(try Self.engineHas(engineID) == false, "the image is new to the engine")
        let name = "gate-engine-\(UUID().uuidString.prefix(6).lowercased())"
        let profile = try fixture.profile("  blockAt: HIGH", name: name)

        for detach in [false, true] {
            let result = try fixture.cli.run(
                ["run", "--runtime", "docker", "--profile", profile] + (detach ? ["-d"] : []) + [fixture.image, "echo", "started"])
            #expect(result.status == 125 && result.stdout.isEmpty, "\(result)")
            #expect(result.stderr.contains("not admitted by profile \"\(name)\""), "\(result)")
            #expect(try Self.engineHas(engineID) == false, "a refused image was loaded into the engine")
            let containers = try CLI.exec("docker", ["ps", "-a", "-q", "--filter", "label=securerun.profile=\(name)"], timeout: 60)
            #expect(containers.status == 0 && containers.stdout.isEmpty, "\(containers)")
        }

        // The control: admitted, the same image is in the engine by this id while its container runs.
        try expectSuccess(fixture.attest("trivy-alpine-310.json"))
        let started = try fixture.cli.run(["run", "--runtime", "docker", "--profile", profile, "-d", fixture.image, "sleep", "60"])
        #expect(started.status == 0, "\(started)")
        let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? fixture.cli.run(["rm", "-f", id]) }
        #expect(try Self.engineHas(engineID), "an admitted image is loaded by its config digest")
    }

    /// Whether the engine has an image with id `id` (`docker image inspect`).
    static func engineHas(_ id: String) throws -> Bool {
        let inspect = try CLI.exec("docker", ["image", "inspect", "--format", "{{.Id}}", id], timeout: 60)
        if inspect.status == 0 { return inspect.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == id }
        guard inspect.stderr.contains("No such image") else { throw TestFailure("docker image inspect: \(inspect)") }
        return false
    }
}
