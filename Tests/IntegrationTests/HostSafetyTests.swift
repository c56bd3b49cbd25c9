import Foundation
import HostSystem
import TestSupport
import Testing

/// A host directory of files whose exact bytes are checked after runs that mount it.
struct PreciousTree {
    let url: URL
    let manifest: [String: [UInt8]]

    init(at url: URL) throws {
        self.url = url
        var manifest: [String: [UInt8]] = [:]
        var generator = SystemRandomNumberGenerator()
        for index in 0..<40 {
            let relative = index % 3 == 0 ? "nested/deeper/file\(index)" : "file\(index)"
            let bytes = (0..<(512 + index * 37)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let file = url.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: file)
            manifest[relative] = bytes
        }
        self.manifest = manifest
    }

    /// Every difference from what was written: missing, changed, or extra files.
    func differences() -> [String] {
        var problems: [String] = []
        for (relative, bytes) in manifest.sorted(by: { $0.key < $1.key }) {
            guard let data = try? FileContents.read(url.appendingPathComponent(relative).path) else {
                problems.append("missing \(relative)")
                continue
            }
            if data != bytes { problems.append("changed \(relative)") }
        }
        let present = (FileManager.default.enumerator(atPath: url.path)?.allObjects as? [String] ?? []).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        problems += Set(present).subtracting(manifest.keys).sorted().map { "extra \($0)" }
        return problems
    }
}

/// tmpfs mounts under a directory of their own (outside any state root) until the mount table is
/// longer than `bytes`; unmounted at deinit.
final class MountPadding {
    let directory: TemporaryDirectory
    private var targets: [String] = []

    init(beyond bytes: Int) throws {
        directory = try TemporaryDirectory("securerun-padding")
        var index = 0
        while try FileContents.read("/proc/self/mountinfo").count <= bytes {
            for _ in 0..<20 {
                let target = directory.url.appendingPathComponent("pad-\(index)").path
                index += 1
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                guard mount("tmpfs", target, "tmpfs", 0, "size=4k") == 0 else { throw SystemError.last("mount", path: target) }
                targets.append(target)
            }
        }
    }

    deinit {
        for target in targets.reversed() { umount2(target, Int32(MNT_DETACH)) }
    }
}

/// Issue 7: host data is never lost, request values the runtime would trip on are refused first, the
/// runtime's own failures are securerun's, state roots never share cgroups, and concurrent or killed
/// runs leave nothing behind.
@Suite("securerun run: host data, cleanup, faults and concurrency")
struct HostSafetyTests {
    // The attack: cleanup read only the first ~4 KiB of /proc/self/mountinfo, missed the staging bind of
    // the volume and deleted the files behind it, `:ro` included, on every later run too.
    @Test(
        "a volume's host files survive runs that exit, fail, are refused, fail in the runtime, and are SIGKILLed and swept, with mountinfo past 4 and 64 KiB",
        arguments: [4 << 10, 64 << 10])
    func volumeFilesSurviveEveryExitPath(padding: Int) throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        let pad = try MountPadding(beyond: padding)
        defer { withExtendedLifetime(pad) {} }
        let tree = try PreciousTree(at: isolated.temp.url.appendingPathComponent("precious"))
        let volume = "\(tree.url.path):/data:ro"

        let listed = try isolated.run(["-v", volume], ["ls", "/data"])
        #expect(listed.status == 0 && listed.stdout.contains("file1"), "\(listed)")
        #expect(tree.differences().isEmpty)

        let failed = try isolated.run(["-v", volume], ["sh", "-c", "ls /data >/dev/null; exit 3"])
        #expect(failed.status == 3, "\(failed)")
        #expect(tree.differences().isEmpty)

        let refused = try isolated.run(["-v", "\(tree.url.path):/data:rw"], ["true"])
        #expect(refused.status == 125 && refused.stderr.contains("SR010"), "\(refused)")

        // Mounted, then the runtime fails: a directory cannot be mounted over the image's /bin/busybox.
        let runtimeFailure = try isolated.run(["-v", volume, "-v", "\(tree.url.path):/bin/busybox:ro"], ["true"])
        #expect(runtimeFailure.status == 125, "\(runtimeFailure)")
        #expect(tree.differences().isEmpty)

        let background = try BackgroundRun(
            ["run", "--profile", fixture.profile, "-v", volume, isolated.image, "sh", "-c", "ls /data >/dev/null; echo ready; sleep 60"],
            root: isolated.cli.root, logDirectory: isolated.temp.url, name: "killed")
        #expect(background.waitFor("ready"), "\(background.output)")
        background.killHard()
        #expect(tree.differences().isEmpty)
        // The next command finds the abandoned container, kills it, unmounts and removes its state.
        let next = try isolated.run([], ["true"])
        #expect(next.status == 0, "\(next)")
        #expect(next.stderr.contains("removed abandoned container"), "\(next)")
        #expect(tree.differences().isEmpty, "\(tree.differences())")
        #expect(RunFixture.leftovers(root: isolated.cli.root).isEmpty, "\(RunFixture.leftovers(root: isolated.cli.root))")
        // And once more through the sweep, now that nothing is abandoned.
        _ = try isolated.run(["-v", volume], ["true"])
        #expect(tree.differences().isEmpty)
    }

    // Each of these reached runc, which failed with exit 1 and its own log line: indistinguishable from
    // the container's exit status 1, and an empty --hostname showed the host's name.
    @Test(
        "request values the runtime would fail on are refused before anything is created, naming the flag",
        arguments: [
            (["--name", String(repeating: "n", count: 65)], "invalid --name"),
            (["--hostname", String(repeating: "h", count: 70)], "invalid --hostname"),
            (["--hostname", ""], "invalid --hostname \"\""),
            (["-e", "=x"], "invalid -e =x"),
            (["--user", "4294967295"], "invalid --user 4294967295"),
            (["-w", "/bin/busybox"], "invalid -w /bin/busybox"),
            (["-w", "/etc/passwd/sub"], "invalid -w /etc/passwd/sub"),
        ])
    func refusedBeforeTheRuntime(flags: [String], message: String) throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        let result = try isolated.run(flags, ["true"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stderr.hasPrefix("securerun: \(message)"), "\(result)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")
        #expect(RunFixture.leftovers(root: isolated.cli.root).isEmpty)
    }

    @Test("a failure inside the runtime is one securerun line with exit 125, not the container's status")
    func runtimeFailureIsSecurerunsLine() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        let source = try isolated.hostSource("dir")
        let result = try isolated.run(["-v", "\(source.path):/bin/busybox:ro"], ["true"])
        #expect(result.status == 125, "\(result)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result)")
        #expect(result.stderr.hasPrefix("securerun: runc could not start the container: "), "\(result)")
        #expect(!result.stderr.contains("level=") && !result.stderr.contains("time="), "\(result)")
        #expect(RunFixture.leftovers(root: isolated.cli.root).isEmpty)
    }

    // Two state roots that both ran `--name web` shared the cgroup /securerun/web: their processes were
    // counted (and limited, and killed) together.
    @Test("two state roots running the same --name at once get cgroups of their own")
    func sameNameTwoRoots() throws {
        guard let fixture = RunFixture.available() else { return }
        let first = try RunMountTests.Isolated(fixture)
        let second = try RunMountTests.Isolated(fixture)
        let script = "echo ready; sleep 3"
        let runs = try [first, second].enumerated().map { index, isolated in
            try BackgroundRun(
                ["run", "--profile", fixture.profile, "--name", "web", isolated.image, "sh", "-c", script], root: isolated.cli.root,
                logDirectory: isolated.temp.url, name: "web\(index)")
        }
        for run in runs { #expect(run.waitFor("ready"), "\(run.output)") }
        // Seen from the host: inside, a cgroup namespace of its own shows "/".
        let cgroups = try [first, second].map { isolated -> String in
            let inspected = try isolated.cli.run(["inspect", "web"])
            let records = try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [[String: Any]]
            let pid = try #require((records?.first?["record"] as? [String: Any])?["initPID"] as? Int, "\(inspected)")
            let text = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
            return text.split(separator: "\n").first { $0.contains(":pids:") }.map(String.init) ?? ""
        }
        #expect(cgroups[0] != cgroups[1], "\(cgroups)")
        #expect(cgroups[0].contains("/securerun/\(RunFixture.cgroupTag(root: first.cli.root))-"), "\(cgroups)")
        #expect(cgroups[1].contains("/securerun/\(RunFixture.cgroupTag(root: second.cli.root))-"), "\(cgroups)")
        for run in runs {
            run.process.waitUntilExit()
            #expect(run.process.terminationStatus == 0)
        }
        #expect(RunFixture.leftovers(root: first.cli.root).isEmpty && RunFixture.leftovers(root: second.cli.root).isEmpty)
    }

    // Under 20 concurrent `run --rm`, 3 to 15 left a container directory and its overlay mounted.
    @Test("50 concurrent runs, with imports of the same image and removal of another, exit right and leave nothing")
    func fiftyAtOnce() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        // Another image (other content, so another digest) to remove while the runs go on.
        let otherRootfs = isolated.temp.url.appendingPathComponent("other-rootfs")
        try TestImages.busyboxRootfs(at: otherRootfs)
        try "other\n".write(to: otherRootfs.appendingPathComponent("etc/other"), atomically: true, encoding: .utf8)
        let other = try isolated.cli.run(["image", "import", "--rootfs", otherRootfs.path, "--tag", "other:1"])
        #expect(other.status == 0, "\(other)")
        let results = Results()
        let group = DispatchGroup()
        let cli = isolated.cli
        let image = isolated.image
        let profile = fixture.profile
        let rootfs = fixture.rootfs.path
        // Threads of their own: CLI.exec reads pipes on Dispatch's pool, which 54 blocked tasks would starve.
        func concurrently(_ body: @escaping @Sendable () -> Void) {
            group.enter()
            Thread {
                body()
                group.leave()
            }.start()
        }
        for index in 0..<50 {
            concurrently {
                let result = try? cli.run(["run", "--profile", profile, "--rm", image, "sh", "-c", "exit \(index % 5)"])
                results.add("run \(index)", result, expected: Int32(index % 5))
            }
        }
        for index in 0..<3 {
            concurrently {
                let result = try? cli.run(["image", "import", "--rootfs", rootfs, "--tag", image])
                results.add("import \(index)", result, expected: 0)
            }
        }
        concurrently {
            let result = try? cli.run(["image", "rm", "other:1"])
            results.add("rm", result, expected: 0)
        }
        group.wait()
        #expect(results.failures.isEmpty, "\(results.failures.joined(separator: "\n"))")
        #expect(RunFixture.leftovers(root: isolated.cli.root).isEmpty, "\(RunFixture.leftovers(root: isolated.cli.root))")
        let listed = try isolated.cli.run(["image", "ls"])
        #expect(listed.status == 0 && listed.stdout.contains("mounts") && !listed.stdout.contains("other"), "\(listed)")
    }

    // A SIGKILL can land anywhere in the start path: before the claim, mid-mount, while the runtime is
    // creating the container, or after it started. Whatever was made, the next command removes it, and no
    // runtime or container process is left running for a securerun that is gone.
    @Test("securerun SIGKILLed at points through the start leaves nothing the next command does not clean")
    func killedDuringStart() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        let source = try isolated.hostSource("vol")
        for (index, delay) in [0, 3, 8, 15, 25, 40, 60, 90, 140, 250].enumerated() {
            let run = try BackgroundRun(
                ["run", "--profile", fixture.profile, "-v", "\(source.path):/v:ro", "--name", "fault\(index)", isolated.image, "sleep", "60"],
                root: isolated.cli.root, logDirectory: isolated.temp.url, name: "fault\(index)")
            usleep(UInt32(delay * 1000))
            run.killHard()
        }
        // A runtime the dead securerun spawned is killed with it (its parent-death signal): waited for, bounded.
        Wait.until { Self.processes(mentioning: isolated.cli.root.path).isEmpty }
        let next = try isolated.run([], ["true"])
        #expect(next.status == 0, "\(next)")
        #expect(RunFixture.leftovers(root: isolated.cli.root).isEmpty, "\(RunFixture.leftovers(root: isolated.cli.root))")
        #expect(try String(contentsOf: source.appendingPathComponent("keep"), encoding: .utf8) == "precious\n")
        let stray = Self.processes(mentioning: isolated.cli.root.path)
        #expect(stray.isEmpty, "\(stray)")
    }

    /// Command lines of live processes that mention `text` (a state root).
    static func processes(mentioning text: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { $0.allSatisfy(\.isNumber) } ?? []
        return pids.compactMap { pid in
            guard let bytes = try? FileContents.read("/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: bytes.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return line.contains(text) ? "\(pid): \(line)" : nil
        }
    }
}

/// Outcomes gathered from concurrent threads.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var failures: [String] = []

    func add(_ what: String, _ result: CLIResult?, expected: Int32) {
        lock.withLock {
            guard let result else {
                failures.append("\(what): did not run")
                return
            }
            if result.status != expected { failures.append("\(what): expected \(expected), \(result)") }
        }
    }
}
