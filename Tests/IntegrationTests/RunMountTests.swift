import Foundation
import HostSystem
import Testing

/// Volumes and the container's root, seen from inside real containers and from the host's mount table.
@Suite("securerun run: volumes and the container's own root")
struct RunMountTests {
    /// A state root of its own (so its mount table and rootfs are this test's alone) with the fixture's image.
    struct Isolated {
        let temp: TemporaryDirectory
        let cli: CLI
        let image = "mounts:1"
        let fixture: RunFixture

        init(_ fixture: RunFixture) throws {
            self.fixture = fixture
            temp = try TemporaryDirectory("securerun-mounts")
            cli = CLI(root: temp.url.appendingPathComponent("state"))
            let imported = try cli.run(["image", "import", "--rootfs", fixture.rootfs.path, "--tag", image])
            guard imported.status == 0 else { throw TestFailure("image import failed: \(imported)") }
        }

        /// A profile that allows writable volumes.
        func writableProfile() throws -> String {
            try RunFixture.writeProfile(in: temp.url, name: "writable", extra: "volumes:\n  allowWritable: true")
        }

        func run(_ flags: [String], _ command: [String], profile: String? = nil) throws -> CLIResult {
            try cli.run(["run", "--profile", profile ?? fixture.profile] + flags + [image] + command)
        }

        /// Mount points at or beneath the state root, from the host's mount table.
        func mounts() -> [String] { RunMountTests.mountPoints(under: cli.root.path) }

        /// The image's shared rootfs, as `image inspect` reports it.
        func sharedRootfs() throws -> String {
            let inspect = try cli.run(["image", "inspect", image])
            let object = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
            return try #require(object?["rootfs"] as? String, "\(inspect)")
        }

        /// A directory with one file whose content the test checks after runs.
        func hostSource(_ name: String) throws -> URL {
            let source = temp.url.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
            try "precious\n".write(to: source.appendingPathComponent("keep"), atomically: true, encoding: .utf8)
            return source
        }
    }

    /// Mount points at or beneath `path`, from /proc/self/mountinfo read to its end (a single read sees
    /// only its first page, which is how a check like this once missed mounts). An unreadable table is a
    /// test failure, never "nothing mounted".
    static func mountPoints(under path: String) -> [String] {
        do {
            return try MountTable.mountPoints(under: path)
        } catch {
            Issue.record("cannot read the mount table: \(error)")
            return ["(unreadable mount table)"]
        }
    }

    /// Every entry beneath `directory`, as relative paths.
    static func listing(_ directory: String) -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
    }

    @Test("a volume shows exactly its source's contents, also through a symlinked host path and for a single file")
    func volumeContents() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try Isolated(fixture)
        let source = try isolated.hostSource("data")
        try "b\n".write(to: source.appendingPathComponent("other"), atomically: true, encoding: .utf8)
        let direct = try isolated.run(["-v", "\(source.path):/data:ro"], ["sh", "-c", "ls -A /data; cat /data/keep"])
        #expect(direct.status == 0, "\(direct)")
        #expect(direct.stdout == "keep\nother\nprecious\n")
        let link = isolated.temp.url.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: source)
        let linked = try isolated.run(["-v", "\(link.path):/data:ro"], ["ls", "-A", "/data"])
        #expect(linked.stdout == "keep\nother\n", "\(linked)")
        let file = try isolated.run(["-v", "\(source.path)/keep:/etc/keep:ro"], ["cat", "/etc/keep"])
        #expect(file.stdout == "precious\n", "\(file)")
        #expect(isolated.mounts().isEmpty)
    }

    // Attack (F2): swapping a volume's directory for a symlink to / between the policy's check and the
    // runtime's mount gave the container the host's root (10 of 60 runs before the fix). Now each run
    // either mounts the directory that was checked or is refused.
    @Test("a volume source swapped back and forth with a symlink to / never exposes the host's root")
    func swapRace() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try Isolated(fixture)
        let parent = isolated.temp.url.appendingPathComponent("race")
        let x = parent.appendingPathComponent("x")
        let parked = parent.appendingPathComponent("xr")
        try FileManager.default.createDirectory(at: x, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: x.appendingPathComponent("marker").path, contents: Data())
        let stop = Flag()
        let swapper = Thread {
            while !stop.isSet {
                rename(x.path, parked.path)
                symlink("/", x.path)
                usleep(300)
                unlink(x.path)
                rename(parked.path, x.path)
                usleep(300)
            }
        }
        swapper.start()
        defer {
            stop.set()
            while !swapper.isFinished { usleep(1000) }
        }
        var mounted = 0
        for _ in 0..<30 {
            let result = try isolated.run(["-v", "\(x.path):/data:ro"], ["ls", "-A", "/data"])
            #expect(result.status == 0 ? result.stdout == "marker\n" : result.status == 125, "\(result)")
            #expect(!result.stdout.contains("etc"), "the host's / was mounted: \(result)")
            if result.status == 0 { mounted += 1 }
        }
        #expect(isolated.mounts().isEmpty)
        print("swap race: \(mounted) of 30 runs mounted the checked directory, the rest were refused")
    }

    // Attack (F3): a mount nested inside a read-only volume's source stayed writable (and suid-capable),
    // so `echo x > /h/sub/pwned` wrote on the host.
    @Test("a mount nested in a read-only volume is read-only, nosuid and nodev; in a writable one nosuid and nodev")
    func nestedMounts() throws {
        guard let fixture = RunFixture.available(), Requirements.met(tools: ["mount", "umount"]) else { return }
        let isolated = try Isolated(fixture)
        let source = try isolated.hostSource("hv")
        let nested = source.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        let mounted = try CLI.exec("mount", ["-t", "tmpfs", "tmpfs", nested.path])
        try #require(mounted.status == 0, "\(mounted)")
        defer { _ = try? CLI.exec("umount", [nested.path]) }

        let readOnly = try isolated.run(["-v", "\(source.path):/h:ro"], ["sh", "-c", "/probe write /h/sub/pwned; grep ' /h/sub ' /proc/self/mountinfo"])
        #expect(readOnly.stdout.contains("/h/sub/pwned: EROFS"), "\(readOnly)")
        let options = readOnly.stdout.split(separator: "\n").last.map { String($0.split(separator: " ")[5]) } ?? ""
        #expect(options.split(separator: ",").contains("ro") && options.contains("nosuid") && options.contains("nodev"), "\(readOnly)")
        #expect(!FileManager.default.fileExists(atPath: nested.appendingPathComponent("pwned").path))

        let writable = try isolated.run(
            ["-v", "\(source.path):/h:rw"], ["sh", "-c", "/probe write /h/sub/ok; grep ' /h/sub ' /proc/self/mountinfo"],
            profile: try isolated.writableProfile())
        #expect(writable.stdout.contains("/h/sub/ok: ok"), "\(writable)")
        #expect(writable.stdout.contains("nosuid") && writable.stdout.contains("nodev"), "\(writable)")
        #expect(isolated.mounts().isEmpty)
    }

    // Attack (F5): runc created mount points (and -w directories) inside the image's shared rootfs, so
    // `-v /tmp/f:/usr/local/bin/sh` left an empty file that broke sh for every later container.
    @Test("volume targets, a new -w directory and the runtime's mount points never land in the shared image rootfs")
    func sharedRootfsUntouched() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try Isolated(fixture)
        let shared = try isolated.sharedRootfs()
        let before = Self.listing(shared)
        let source = try isolated.hostSource("src")
        let run = try isolated.run(
            ["-v", "\(source.path):/newdir:ro", "-v", "\(source.path)/keep:/usr/local/bin/sh:ro", "-w", "/newdir2"],
            ["sh", "-c", "pwd; ls /newdir; cat /usr/local/bin/sh"])
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout == "/newdir2\nkeep\nprecious\n")
        #expect(Self.listing(shared) == before, "the shared rootfs changed")
        let next = try isolated.run([], ["sh", "-c", "echo still works; ls /newdir /newdir2 /usr/local 2>&1 | grep -c 'No such'"])
        #expect(next.stdout == "still works\n3\n", "\(next)")
        #expect(isolated.mounts().isEmpty)
    }

    @Test("after a run, a refusal and a runtime failure, no mount remains under the state root and volume sources are intact")
    func noMountsLeft() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try Isolated(fixture)
        let source = try isolated.hostSource("src")
        let ok = try isolated.run(["--name", "left-ok", "-v", "\(source.path):/data:ro"], ["cat", "/data/keep"])
        #expect(ok.status == 0 && ok.stdout == "precious\n", "\(ok)")
        #expect(isolated.mounts().isEmpty)
        let refused = try isolated.run(["--name", "left-refused", "-v", "\(source.path):/data:rw"], ["true"])
        #expect(refused.status == 125, "\(refused)")
        // runc fails after every mount is in place: the volume's target lies beneath a file.
        let failed = try isolated.run(["--name", "left-failed", "-v", "\(source.path):/probe/data:ro"], ["true"])
        #expect(failed.status != 0 && failed.stderr.contains("/probe/data"), "\(failed)")
        #expect(isolated.mounts().isEmpty)
        // Other tests' containers run meanwhile; cgroups are shared by every state root.
        #expect(RunFixture.leftovers(root: isolated.cli.root).filter { $0.contains("left-") }.isEmpty)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: isolated.cli.root.appendingPathComponent("containers").path)) ?? []).isEmpty)
        #expect(try String(contentsOf: source.appendingPathComponent("keep"), encoding: .utf8) == "precious\n")
    }

    @Test("a securerun killed with its volume and root mounted is unmounted by the next run's sweep before removal")
    func sweepUnmounts() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try Isolated(fixture)
        let source = try isolated.hostSource("src")
        let run = try BackgroundRun(
            [
                "run", "--profile", fixture.profile, "--name", "killed", "-v", "\(source.path):/data:ro", isolated.image, "sh", "-c",
                "echo ready; sleep 60",
            ], root: isolated.cli.root, logDirectory: isolated.temp.url, name: "killed")
        #expect(run.waitFor("ready"))
        run.killHard()
        let containers = isolated.cli.root.appendingPathComponent("containers")
        let ids = try FileManager.default.contentsOfDirectory(atPath: containers.path)
        let container = containers.appendingPathComponent(try #require(ids.first, "SIGKILL leaves the container behind")).path
        #expect(ids.count == 1)
        #expect(Self.mountPoints(under: container) == [container + "/volumes/0", container + "/rootfs"])

        let next = try isolated.run([], ["true"])
        #expect(next.status == 0, "\(next)")
        #expect(next.stderr.contains("removed abandoned container killed"), "\(next)")
        #expect(isolated.mounts().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: container))
        #expect(try String(contentsOf: source.appendingPathComponent("keep"), encoding: .utf8) == "precious\n")
    }
}

/// A flag one thread sets and another polls.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
