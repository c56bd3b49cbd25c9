import Foundation
import Testing

/// Issue 10: the docker backend gives a container on the local Docker Engine the same floor as runc,
/// by image id, under the same admission gate.
@Suite("docker backend: the same floor on the Docker Engine", .sharedHost)
struct DockerBackendTests {
    /// The engine is there (scripts/test starts one); under CI a missing engine fails the test.
    static func engineAvailable(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard Requirements.met(tools: ["dockerd", "docker"], sourceLocation: sourceLocation) else { return false }
        let ping = try? CLI.exec("docker", ["version", "--format", "{{.Server.Version}}"], timeout: 20)
        if ping?.status == 0 { return true }
        let message = "the docker backend tests need a running dockerd (scripts/test starts one): \(ping.map { "\($0)" } ?? "no docker")"
        Requirements.skip(message, sourceLocation: sourceLocation)
        return false
    }

    @Test("a container on the engine shows from inside the floor runc's has: user, capabilities, no-new-privileges, seccomp, read-only /, noexec /tmp, limits")
    func floorFromInside() throws {
        guard let fixture = RunFixture.available(), Self.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let script = """
            id -u; id -g
            grep -E '^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status
            /probe write /pwned; /probe write /tmp/ok
            cp /probe /tmp/p 2>/dev/null; /tmp/p tty >/dev/null 2>&1; echo tmp-exec $?
            cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max
            cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max
            """
        // A name of its own: other tests (and an interrupted earlier run) may have engine containers too.
        let name = "floor-\(UUID().uuidString.prefix(8).lowercased())"
        let result = try root.cli.run([
            "run", "--runtime", "docker", "--profile", root.profile, "--name", name, "--memory", "100m", "--pids-limit", "40", root.image, "sh", "-c",
            script,
        ])
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(2)) == ["65534", "65534"], "\(result)")
        for expected in [
            "CapEff:\t0000000000000000", "CapPrm:\t0000000000000000", "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1",
            "Seccomp:\t2", "/pwned: EROFS", "/tmp/ok: ok", "tmp-exec 126", "\(100 << 20)", "40",
        ] {
            #expect(lines.contains(expected), "\(expected) missing from \(result.stdout)")
        }
        let left = try CLI.exec("docker", ["ps", "-a", "--filter", "name=^\(name)$", "--format", "{{.Names}}"])
        #expect(left.stdout.isEmpty, "\(left)")
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty)
    }

    @Test("docker inspect shows the applied HostConfig, and the container runs the admitted config digest by id")
    func hostConfigAndImageID() throws {
        guard let fixture = RunFixture.available(), Self.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let name = "inspected-\(UUID().uuidString.prefix(8).lowercased())"
        let id = try root.detach(["--runtime", "docker", "--name", name], ["sleep", "60"])
        defer { _ = try? root.cli.run(["rm", "-f", name]) }
        let inspect = try CLI.exec("docker", ["inspect", name])
        let object = try #require((try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [[String: Any]])?.first, "\(inspect)")
        let host = try #require(object["HostConfig"] as? [String: Any])
        #expect(host["ReadonlyRootfs"] as? Bool == true)
        #expect(host["Privileged"] as? Bool == false)
        #expect(host["CapDrop"] as? [String] == ["ALL"])
        #expect(host["NetworkMode"] as? String == "none")
        #expect(host["PidsLimit"] as? Int == 256)
        #expect(host["Memory"] as? Int == 512 << 20)
        let options = host["SecurityOpt"] as? [String] ?? []
        #expect(options.contains("no-new-privileges:true") && options.contains { $0.hasPrefix("seccomp=") }, "\(options)")
        #expect((host["MaskedPaths"] as? [String])?.contains("/proc/kcore") == true)
        // Created by the image's id, so retagging in the engine cannot change what runs.
        let stored = try root.cli.run(["image", "inspect", root.image])
        let config = try #require((try JSONSerialization.jsonObject(with: Data(stored.stdout.utf8)) as? [String: Any])?["configDigest"] as? String)
        #expect(object["Image"] as? String == config)
        _ = try root.cli.run(["rm", "-f", name])
        #expect(try CLI.exec("docker", ["ps", "-a", "--format", "{{.Names}} {{.Labels}}"]).stdout.contains(id) == false)
    }

    // The attack: retag something else in the engine under the admitted image's name and have it run.
    @Test("an image retagged in the engine after admission does not run under the admitted name")
    func retaggedInTheEngine() throws {
        guard let fixture = RunFixture.available(), Self.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let first = try root.cli.run(["run", "--runtime", "docker", "--profile", root.profile, root.image, "sh", "-c", "test -x /probe && echo admitted"])
        #expect(first.stdout == "admitted\n", "\(first)")
        // Another image in the engine, under the admitted image's name.
        let evilRoot = root.isolated.temp.url.appendingPathComponent("evil")
        try TestImages.busyboxRootfs(at: evilRoot)
        try FileManager.default.removeItem(at: evilRoot.appendingPathComponent("probe"))
        let tar = root.isolated.temp.url.appendingPathComponent("evil.tar")
        _ = try CLI.exec("tar", ["-C", evilRoot.path, "-cf", tar.path, "."])
        let imported = try CLI.exec("docker", ["import", tar.path, "mounts:1"])
        #expect(imported.status == 0, "\(imported)")
        let second = try root.cli.run(["run", "--runtime", "docker", "--profile", root.profile, root.image, "sh", "-c", "test -x /probe && echo admitted"])
        #expect(second.stdout == "admitted\n", "\(second)")
        _ = try CLI.exec("docker", ["rmi", "mounts:1"])
    }

    @Test("admission applies on the docker backend: an unattested image is refused before the engine sees it")
    func admission() throws {
        guard let fixture = RunFixture.available(), Self.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let name = "gate-\(UUID().uuidString.prefix(8).lowercased())"
        let profile = try RunFixture.writeProfile(in: root.isolated.temp.url, name: name, extra: "", admission: "  maxScanAge: 30d")
        let refused = try root.cli.run(["run", "--runtime", "docker", "--profile", profile, root.image, "true"])
        #expect(refused.status == 125 && refused.stderr.contains("not admitted by profile \"\(name)\""), "\(refused)")
        let names = try CLI.exec("docker", ["ps", "-a", "--filter", "label=securerun.profile=\(name)", "--format", "{{.Names}}"])
        #expect(names.stdout.isEmpty)
    }

    @Test("a volume on the docker backend is read-only, nosuid and nodev, nested mounts included")
    func volumes() throws {
        guard let fixture = RunFixture.available(), Self.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let source = try root.isolated.hostSource("vol")
        let nested = source.appendingPathComponent("nested")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        guard mount("tmpfs", nested.path, "tmpfs", 0, "size=1m") == 0 else { throw TestFailure("mount tmpfs failed") }
        defer { umount2(nested.path, Int32(MNT_DETACH)) }
        let result = try root.cli.run([
            "run", "--runtime", "docker", "--profile", root.profile, "-v", "\(source.path):/v:ro", root.image, "sh", "-c",
            "cat /v/keep; /probe write /v/x; /probe write /v/nested/x; grep ' /v/nested ' /proc/self/mountinfo",
        ])
        #expect(result.stdout.contains("precious") && result.stdout.contains("/v/x: EROFS") && result.stdout.contains("/v/nested/x: EROFS"), "\(result)")
        #expect(result.stdout.contains("ro,nosuid,nodev"), "\(result)")
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty, "\(RunFixture.leftovers(root: root.cli.root))")
    }
}
