import Foundation
import Testing

/// The same busybox image, made locally, imported through every path a user has (rootfs, OCI layout,
/// OCI archive, docker-save tar, registry pull) has the same config digest, and a container runs from each.
@Suite("securerun image: every import path", .serialized)
struct ImageImportTests {
    /// `securerun image inspect REF` parsed.
    func inspect(_ reference: String, _ cli: CLI) throws -> [String: Any] {
        let result = try cli.run(["image", "inspect", reference])
        #expect(result.status == 0, "\(result)")
        return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// Runs `echo` from the image under a profile that admits unattested images.
    func expectRuns(_ reference: String, _ cli: CLI, profile: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try cli.run(["run", "--profile", profile, reference, "/bin/busybox", "echo", "ran \(reference)"])
        #expect(result.status == 0 && result.stdout == "ran \(reference)\n", "\(result)", sourceLocation: sourceLocation)
    }

    @Test("rootfs, layout, OCI archive, docker-save and registry pull agree on the config digest, and each runs")
    func everyImportPath() throws {
        guard Requirements.met(tools: ["runc", "skopeo", "docker-registry", "busybox"]) else { return }
        let temp = try TemporaryDirectory("securerun-image-it")
        let profile = try RunFixture.writeProfile(in: temp.url, name: "unattested", extra: "")

        // busybox-static rootfs: the binary plus one absolute symlink per applet, as `busybox --install -s` makes.
        let rootfs = temp.url.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: rootfs.appendingPathComponent("bin/busybox").path)
        for applet in try CLI.exec("/bin/busybox", ["--list"]).stdout.split(separator: "\n") where applet != "busybox" {
            try FileManager.default.createSymbolicLink(atPath: rootfs.appendingPathComponent("bin/\(applet)").path, withDestinationPath: "/bin/busybox")
        }

        let main = CLI(root: temp.url.appendingPathComponent("root-main"))
        let imported = try main.run(["image", "import", "--rootfs", rootfs.path, "--tag", "busybox:it"])
        #expect(imported.status == 0, "\(imported)")
        let image = try inspect("busybox:it", main)
        let configDigest = try #require(image["configDigest"] as? String)
        let manifestDigest = try #require(image["manifestDigest"] as? String)
        let rootfsPath = try #require(image["rootfs"] as? String)
        #expect(FileManager.default.isExecutableFile(atPath: rootfsPath + "/bin/busybox"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: rootfsPath + "/bin/sh") == "/bin/busybox")
        try expectRuns("busybox:it", main, profile: profile)

        let again = try CLI(root: temp.url.appendingPathComponent("root-again")).run(["image", "import", "--rootfs", rootfs.path, "--tag", "busybox:again"])
        #expect(again.stdout.contains(manifestDigest), "the same tree gives the same manifest digest")

        // An OCI layout from the stored blobs; skopeo turns it into an OCI archive and a docker-save tar.
        let layout = temp.url.appendingPathComponent("layout")
        try OCILayout.export(manifestDigest: manifestDigest, from: main.root, to: layout)
        let ociArchive = temp.url.appendingPathComponent("busybox-oci.tar")
        let dockerArchive = temp.url.appendingPathComponent("busybox-docker.tar")
        #expect(try CLI.exec("skopeo", ["copy", "oci:\(layout.path)", "oci-archive:\(ociArchive.path)"]).status == 0)
        #expect(try CLI.exec("skopeo", ["copy", "oci:\(layout.path)", "docker-archive:\(dockerArchive.path):busybox:docker"]).status == 0)

        for (index, path) in [layout, ociArchive, dockerArchive].enumerated() {
            let cli = CLI(root: temp.url.appendingPathComponent("root-\(index)"))
            let result = try cli.run(["image", "import", path.path, "--tag", "busybox:path\(index)"])
            #expect(result.status == 0, "\(path.lastPathComponent): \(result)")
            #expect(try inspect("busybox:path\(index)", cli)["configDigest"] as? String == configDigest, "\(path.lastPathComponent)")
            try expectRuns("busybox:path\(index)", cli, profile: profile)
        }

        // A real registry on loopback, pushed to by skopeo, pulled with --insecure.
        let registry = try LocalRegistry(in: temp.url)
        try registry.push("oci:\(layout.path)", to: "it/busybox:1")
        let pulledCLI = CLI(root: temp.url.appendingPathComponent("root-pulled"))
        let reference = "\(registry.host)/it/busybox:1"
        let pulled = try pulledCLI.run(["image", "pull", "--insecure", "--profile", profile, reference])
        #expect(pulled.status == 0, "\(pulled)")
        let pulledImage = try inspect(reference, pulledCLI)
        #expect(pulledImage["configDigest"] as? String == configDigest)
        #expect(pulledImage["manifestDigest"] as? String == manifestDigest)
        try expectRuns(reference, pulledCLI, profile: profile)

        let listed = try pulledCLI.run(["image", "ls"])
        #expect(listed.stdout.hasPrefix("REPOSITORY"))
        #expect(listed.stdout.contains("\(registry.host)/it/busybox"))

        // allowedRegistries: refused at pull (nothing stored) and at run (for the image pulled before).
        let restricted = try RunFixture.writeProfile(in: temp.url, name: "restricted", extra: "allowedRegistries: [registry.invalid]")
        let elsewhere = CLI(root: temp.url.appendingPathComponent("root-restricted"))
        let refusedPull = try elsewhere.run(["image", "pull", "--insecure", "--profile", restricted, reference])
        #expect(refusedPull.status == 125)
        #expect(
            refusedPull.stderr
                == "securerun: refusing to pull \(reference): registry \(registry.host) is not in profile \"restricted\" allowedRegistries (registry.invalid) [SR027 image-admission]\n"
        )
        let stored = try JSONSerialization.jsonObject(with: Data(try elsewhere.run(["image", "ls", "--json"]).stdout.utf8)) as? [Any]
        #expect(stored?.isEmpty == true, "a refused pull stores nothing")
        let refusedRun = try pulledCLI.run(["run", "--profile", restricted, reference, "/bin/busybox", "echo", "started"])
        #expect(refusedRun.status == 125)
        #expect(refusedRun.stdout.isEmpty)
        #expect(
            refusedRun.stderr
                == "securerun: refusing to run \(reference): registry \(registry.host) is not in profile \"restricted\" allowedRegistries (registry.invalid) [SR027 image-admission]\n"
        )
        // A local import has no registry, so the rule does not apply to it.
        try expectRuns("busybox:it", main, profile: restricted)
    }

    @Test("image rm is refused while a container uses the image, and works after")
    func removeWhileRunning() throws {
        guard let fixture = RunFixture.available() else { return }
        let temp = try TemporaryDirectory("securerun-rm-it")
        let cli = CLI(root: temp.url.appendingPathComponent("state"))
        #expect(try cli.run(["image", "import", "--rootfs", fixture.directory.appendingPathComponent("rootfs").path, "--tag", "busy:rm"]).status == 0)
        let run = try BackgroundRun(
            ["run", "--profile", fixture.profile, "--name", "rm-holder", "busy:rm", "sh", "-c", "trap 'exit 0' TERM; echo ready; sleep 20 & wait"],
            root: cli.root, logDirectory: temp.url, name: "rm-holder")
        #expect(run.waitFor("ready"))
        let refused = try cli.run(["image", "rm", "busy:rm"])
        #expect(refused.status == 125)
        #expect(refused.stderr.contains("rm-holder"), "\(refused)")
        #expect(try cli.run(["image", "inspect", "busy:rm"]).status == 0)
        #expect(run.signal(SIGTERM) == 0)
        let removed = try cli.run(["image", "rm", "busy:rm"])
        #expect(removed.status == 0, "\(removed)")
        #expect(try cli.run(["image", "inspect", "busy:rm"]).status == 125)
    }

    @Test("bad references and paths are one line with exit 125")
    func refusals() throws {
        guard Requirements.met(tools: [], needsRoot: false) else { return }
        let temp = try TemporaryDirectory("securerun-image-it")
        let cli = CLI(root: temp.url)
        let missing = try cli.run(["image", "inspect", "nope:1"])
        #expect(missing.status == 125)
        #expect(
            missing.stderr
                == "securerun: no image 'nope:1' in the store at \(temp.url.path); import or pull it first (`securerun image ls` lists stored images)\n")
        let insecure = try cli.run(["image", "pull", "--insecure", "example.com/x:1"])
        #expect(insecure.status == 125)
        #expect(insecure.stderr.contains("--insecure (plain http) is allowed only for loopback registries, not example.com"))
        let notAnImage = try cli.run(["image", "import", "/etc/hostname"])
        #expect(notAnImage.status == 125)
        #expect(notAnImage.stderr.contains("is not an OCI layout, OCI archive or docker-save tar"))
    }

    @Test("imports show progress on a terminal and print one line when piped")
    func progressOnlyOnATerminal() throws {
        guard Requirements.met(tools: ["script", "busybox"], needsRoot: false) else { return }
        let temp = try TemporaryDirectory("securerun-progress-it")
        let rootfs = temp.url.appendingPathComponent("rootfs/bin")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: rootfs.appendingPathComponent("busybox").path)
        let root = temp.url.appendingPathComponent("state").path
        let command = "\(CLI.binary) image import --rootfs \(rootfs.deletingLastPathComponent().path) --tag progress:1"
        // script(1) gives the command a pseudo-terminal as stdout.
        let terminal = try CLI.exec("script", ["-qec", command, "/dev/null"], environment: ["SECURERUN_ROOT": root])
        #expect(terminal.status == 0, "\(terminal)")
        #expect(terminal.stdout.contains("packing ") && terminal.stdout.contains("unpacking 1 layer into the shared rootfs"), "\(terminal)")
        let piped = try CLI(root: URL(fileURLWithPath: root)).run([
            "image", "import", "--rootfs", rootfs.deletingLastPathComponent().path, "--tag", "progress:2",
        ])
        #expect(piped.stdout.split(separator: "\n").count == 1, "\(piped)")
        #expect(piped.stdout.hasPrefix("progress:1, progress:2 sha256:"))
    }
}
