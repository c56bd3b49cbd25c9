import Foundation
import Testing

/// Issue 17: the images securerun streams into the engine for the docker backend piled up as `<none>`
/// after their containers were gone. They now carry securerun's tag, and go with their last container;
/// an image the user had in the engine is never removed.
@Suite("docker backend: the images securerun loads into the engine go with their last container", .sharedHost)
struct DockerEngineImageTests {
    /// The engine's ids of the images tagged `securerun.invalid/loaded`.
    static func loadedImages() throws -> Set<String> {
        let listed = try CLI.exec("docker", ["images", "--no-trunc", "--filter", "reference=securerun.invalid/loaded", "--format", "{{.ID}}"])
        return Set(listed.stdout.split(separator: "\n").map(String.init))
    }

    /// Whether the engine has image `id`.
    static func engineHas(_ id: String) throws -> Bool {
        try CLI.exec("docker", ["image", "inspect", id]).status == 0
    }

    /// A state root with an image of its own: a busybox rootfs with a file no other test's image has, so
    /// its config digest (the engine's image id) is this test's alone.
    static func ownImage(_ root: ContainerLifecycleTests.Root) throws -> (reference: String, id: String) {
        let rootfs = root.isolated.temp.url.appendingPathComponent("own-rootfs")
        try TestImages.busyboxRootfs(at: rootfs)
        try UUID().uuidString.write(to: rootfs.appendingPathComponent("etc/unique"), atomically: true, encoding: .utf8)
        let reference = "own:\(UUID().uuidString.prefix(8).lowercased())"
        let imported = try root.cli.run(["image", "import", "--rootfs", rootfs.path, "--tag", reference])
        guard imported.status == 0 else { throw TestFailure("import failed: \(imported)") }
        let inspected = try root.cli.run(["image", "inspect", reference])
        let object = try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any]
        return (reference, try #require(object?["configDigest"] as? String, "\(inspected)"))
    }

    @Test("a loaded image is tagged securerun.invalid/loaded, not <none>, and the engine drops it with its last container")
    func loadedImageGoesWithItsLastContainer() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let image = try Self.ownImage(root)
        let names = (0..<2).map { "img\($0)-\(UUID().uuidString.prefix(8).lowercased())" }
        defer { for name in names { _ = try? root.cli.run(["rm", "-f", name]) } }
        for name in names {
            let started = try root.cli.run(["run", "-d", "--runtime", "docker", "--profile", root.profile, "--name", name, image.reference, "sleep", "60"])
            #expect(started.status == 0, "\(started)")
        }
        #expect(try Self.loadedImages().contains(image.id))
        let untagged = try CLI.exec("docker", ["images", "--no-trunc", "--filter", "dangling=true", "--format", "{{.ID}}"])
        #expect(!untagged.stdout.contains(image.id), "\(untagged)")
        // One container still uses it: it stays.
        #expect(try root.cli.run(["rm", "-f", names[0]]).status == 0)
        #expect(try Self.engineHas(image.id))
        #expect(try root.cli.run(["rm", "-f", names[1]]).status == 0)
        #expect(try Self.engineHas(image.id) == false)
    }

    @Test("an image the user had in the engine (or named there too) is never removed; gc drops what a removal left")
    func usersImageStays() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let image = try Self.ownImage(root)
        let userTag = "users-own:\(UUID().uuidString.prefix(8).lowercased())"
        let name = "user-\(UUID().uuidString.prefix(8).lowercased())"
        defer {
            _ = try? root.cli.run(["rm", "-f", name])
            _ = try? CLI.exec("docker", ["rmi", "-f", image.id])
        }
        // securerun loads it, then the user names it too: the user's name keeps it.
        #expect(try root.cli.run(["run", "--runtime", "docker", "--profile", root.profile, image.reference, "true"]).status == 0)
        #expect(try Self.engineHas(image.id) == false)
        #expect(try root.cli.run(["run", "-d", "--runtime", "docker", "--profile", root.profile, "--name", name, image.reference, "sleep", "60"]).status == 0)
        #expect(try CLI.exec("docker", ["tag", image.id, userTag]).status == 0)
        #expect(try root.cli.run(["rm", "-f", name]).status == 0)
        #expect(try Self.engineHas(userTag))
        #expect(try Self.loadedImages().contains(image.id) == false)
        // Now the user's own image, with no tag of securerun's: a container of it comes and goes, it stays.
        #expect(try root.cli.run(["run", "--runtime", "docker", "--profile", root.profile, image.reference, "true"]).status == 0)
        #expect(try Self.engineHas(userTag))
        _ = try CLI.exec("docker", ["rmi", userTag])
        // A container of the user's keeps securerun's image from going; gc removes it once that is gone.
        #expect(try root.cli.run(["run", "-d", "--runtime", "docker", "--profile", root.profile, "--name", name, image.reference, "sleep", "60"]).status == 0)
        let users = try CLI.exec("docker", ["create", image.id, "true"])
        #expect(users.status == 0, "\(users)")
        #expect(try root.cli.run(["rm", "-f", name]).status == 0)
        #expect(try Self.engineHas(image.id))
        #expect(try CLI.exec("docker", ["rm", users.stdout.trimmingCharacters(in: .whitespacesAndNewlines)]).status == 0)
        let gc = try root.cli.run(["gc"])
        #expect(gc.status == 0 && gc.stdout.contains("removed engine image \(image.id)"), "\(gc)")
        #expect(try Self.engineHas(image.id) == false)
    }
}
