import Foundation
import HostSystem
import Synchronization
import TestSupport
import Testing

/// Issue 21: every container's ids are a block of host ids of its own (a user namespace per container on
/// runc), so an escaped process, or a file it writes through a volume, is nobody on the host; the image's
/// owners survive through an idmapped root; a killed securerun leaves no block leased.
@Suite("a user namespace per container: container ids are no host account's ids")
struct UserNamespaceTests {
    /// An isolated state root with an image whose files are owned by 0 and by 1000.
    struct Setup {
        let temp: TemporaryDirectory
        let cli: CLI
        let fixture: RunFixture
        let image = "userns:1"

        init(_ fixture: RunFixture) throws {
            self.fixture = fixture
            temp = try TemporaryDirectory("securerun-userns")
            // The container's root passes through here (o+x), as it must through every parent of its root.
            chmod(temp.url.path, 0o755)
            cli = CLI(root: temp.url.appendingPathComponent("state"))
            let rootfs = temp.url.appendingPathComponent("rootfs")
            let copied = try CLI.exec("cp", ["-a", fixture.rootfs.path, rootfs.path])
            guard copied.status == 0 else { throw TestFailure("cp: \(copied)") }
            let home = rootfs.appendingPathComponent("home")
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            try "app\n".write(to: home.appendingPathComponent("app.txt"), atomically: true, encoding: .utf8)
            chown(home.path, 1000, 1000)
            chown(home.appendingPathComponent("app.txt").path, 1000, 1000)
            let imported = try cli.run(["image", "import", "--rootfs", rootfs.path, "--tag", image])
            guard imported.status == 0 else { throw TestFailure("image import failed: \(imported)") }
        }

        func run(_ flags: [String], _ command: [String], profile: String? = nil) throws -> CLIResult {
            try cli.run(["run", "--profile", profile ?? fixture.profile] + flags + [image] + command)
        }

        /// A test profile with `userNamespace: MODE`.
        func profile(_ mode: String) throws -> String {
            try RunFixture.writeProfile(in: temp.url, name: "userns-\(mode)", extra: "userNamespace: \(mode)")
        }

        /// Starts a container that prints `ready` and sleeps; returns it with its init's host pid.
        func background(_ name: String, profile: String? = nil) throws -> (BackgroundRun, Int32) {
            let run = try BackgroundRun(
                ["run", "--profile", profile ?? fixture.profile, "--name", name, image, "sh", "-c", "trap 'exit 0' TERM; echo ready; sleep 60 & wait"],
                root: cli.root,
                logDirectory: temp.url, name: name)
            guard run.waitFor("ready") else { throw TestFailure("\(name) did not start: \(run.output)") }
            return (run, try initPID(name))
        }

        /// The container's init pid on the host, from `securerun inspect` (its record gets it just after
        /// the runtime starts the container, which may already have printed).
        func initPID(_ name: String) throws -> Int32 {
            var pid: Int?
            var last: CLIResult?
            Wait.until {
                guard let inspect = try? cli.run(["inspect", name]),
                    let list = try? JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [[String: Any]]
                else { return false }
                last = inspect
                pid = (list.first?["record"] as? [String: Any])?["initPID"] as? Int
                return pid != nil
            }
            return Int32(try #require(pid, "\(String(describing: last))"))
        }
    }

    /// securerun's range from /etc/subuid (set up by the first container start).
    static func securerunRange() throws -> ClosedRange<UInt64> {
        let text = try String(contentsOfFile: "/etc/subuid", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("securerun:") }, "no securerun line in /etc/subuid")
        let fields = line.split(separator: ":")
        let start = try #require(UInt64(fields[1]))
        let count = try #require(UInt64(fields[2]))
        return start...(start + count - 1)
    }

    /// The uids /etc/passwd names.
    static func accountUids() throws -> Set<UInt64> {
        let text = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        return Set(
            text.split(separator: "\n").compactMap { line in
                line.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first.flatMap { UInt64($0) }
            })
    }

    /// The id blocks leased host-wide now (index, owning container directory), from securerun's lease table.
    static func heldBlocks() -> [(index: Int, owner: String)] {
        let leases = "/run/securerun/idblocks"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: leases)) ?? []
        return names.compactMap { name in
            guard let index = Int(name), let owner = try? String(contentsOfFile: "\(leases)/\(name)", encoding: .utf8) else { return nil }
            let directory = owner.trimmingCharacters(in: .newlines)
            // A lease counts while the container's own idmap file names it back.
            guard let back = try? String(contentsOfFile: directory + "/idmap", encoding: .utf8), back.hasPrefix("\(index) ") else { return nil }
            return (index, directory)
        }
    }

    /// The real uid in /proc/PID/status (the host's view).
    static func hostUid(_ pid: Int32) throws -> UInt64 {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Uid:") })
        return try #require(UInt64(line.split(whereSeparator: \.isWhitespace)[1]))
    }

    /// The first map line of /proc/self/uid_map as printed inside: (inside, host, count).
    static func map(_ text: String) throws -> IdMapping {
        try #require(IdMapping.parseMap(text.trimmingCharacters(in: .whitespacesAndNewlines))?.first, "uid_map: \(text)")
    }

    @Test("an escaped process is nobody on the host: uid_map is not the identity, the host uid is in securerun's range and no account's")
    func escapeLandsAsNoAccount() throws {
        guard let fixture = RunFixture.available() else { return }
        let setup = try Setup(fixture)
        let (first, pid) = try setup.background("escape-a")
        defer { _ = first.signal(SIGTERM) }
        let hostUid = try Self.hostUid(pid)
        #expect(try Self.securerunRange().contains(hostUid), "host uid \(hostUid)")
        #expect(try !Self.accountUids().contains(hostUid), "host uid \(hostUid) is an account's")
        #expect(hostUid != 65534, "the container's nobody must not be the host's nobody")
        let inside = try setup.cli.run(["exec", "escape-a", "cat", "/proc/self/uid_map"])
        let mapping = try Self.map(inside.stdout)
        #expect(mapping.containerID == 0 && mapping.size == 65536 && mapping.hostID != 0, "\(inside)")
        #expect(mapping.hostID(of: 65534) == UInt32(hostUid), "exec joins the same user namespace: \(inside)")
        // inspect shows the same mapping.
        let inspect = try setup.cli.run(["inspect", "escape-a"])
        #expect(inspect.stdout.contains("\"hostID\": \(mapping.hostID)"), "\(inspect)")
    }

    @Test("two containers never share an identity: the uid ranges of containers running at once are disjoint")
    func containersShareNoIds() throws {
        guard let fixture = RunFixture.available() else { return }
        let setup = try Setup(fixture)
        let count = 8
        var runs: [BackgroundRun] = []
        defer { for run in runs { _ = run.signal(SIGTERM) } }
        var maps: [IdMapping] = []
        for index in 0..<count {
            let (run, pid) = try setup.background("together-\(index)")
            runs.append(run)
            maps.append(try Self.map(try String(contentsOfFile: "/proc/\(pid)/uid_map", encoding: .utf8)))
        }
        let starts = maps.map(\.hostID).sorted()
        #expect(Set(starts).count == count, "blocks: \(starts)")
        for (a, b) in zip(starts, starts.dropFirst()) { #expect(b - a >= 65536, "overlap: \(starts)") }
        #expect(maps.allSatisfy { $0.containerID == 0 && $0.size == 65536 }, "\(maps)")
    }

    @Test("the image's owners survive the mapping: files owned by 0 and 1000 keep those owners inside")
    func imageOwnersSurvive() throws {
        guard let fixture = RunFixture.available() else { return }
        let setup = try Setup(fixture)
        let result = try setup.run([], ["sh", "-c", "ls -lnd /bin /home/app.txt; cat /proc/self/uid_map"])
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace) }
        #expect(lines.count >= 3, "\(result)")
        guard lines.count >= 3 else { return }
        #expect(lines[0][2] == "0" && lines[0][3] == "0", "/bin: \(result)")
        #expect(lines[1][2] == "1000" && lines[1][3] == "1000", "/home/app.txt: \(result)")
        #expect(try Self.map(String(result.stdout.split(separator: "\n")[2])).hostID != 0)
    }

    @Test("a read-only volume stays readable to the container's mapped user")
    func readOnlyVolumeReadable() throws {
        guard let fixture = RunFixture.available() else { return }
        let setup = try Setup(fixture)
        let data = setup.temp.url.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        chmod(data.path, 0o755)
        try "hello\n".write(to: data.appendingPathComponent("greeting"), atomically: true, encoding: .utf8)
        chmod(data.appendingPathComponent("greeting").path, 0o644)
        let result = try setup.run(["-v", "\(data.path):/data:ro"], ["sh", "-c", "cat /data/greeting; cat /proc/self/uid_map"])
        #expect(result.status == 0 && result.stdout.hasPrefix("hello\n"), "\(result)")
        #expect(try Self.map(String(result.stdout.split(separator: "\n")[1])).hostID != 0, "\(result)")
    }

    @Test(
        "a writable volume is idmapped for its owner alone: a new file belongs to the directory's owner on the host, another owner's file stays unwritable"
    )
    func writableVolumeWritesAsItsOwner() throws {
        guard let fixture = RunFixture.available() else { return }
        let setup = try Setup(fixture)
        let profile = try RunFixture.writeProfile(in: setup.temp.url, name: "userns-writable", extra: "volumes:\n  allowWritable: true")
        let data = setup.temp.url.appendingPathComponent("owned")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        chown(data.path, 4321, 4321)
        try "theirs\n".write(to: data.appendingPathComponent("theirs"), atomically: true, encoding: .utf8)
        chown(data.appendingPathComponent("theirs").path, 4322, 4322)
        let script = "echo mine > /data/new && echo wrote; echo more >> /data/theirs; echo appended $?; cat /proc/self/uid_map"
        let result = try setup.run(["-v", "\(data.path):/data"], ["sh", "-c", script], profile: profile)
        #expect(result.status == 0 && result.stdout.hasPrefix("wrote\nappended 1\n"), "\(result)")
        var info = stat()
        #expect(stat(data.appendingPathComponent("new").path, &info) == 0 && info.st_uid == 4321 && info.st_gid == 4321, "owned by \(info.st_uid)")
        #expect(try String(contentsOf: data.appendingPathComponent("theirs"), encoding: .utf8) == "theirs\n")
        #expect(try Self.map(String(result.stdout.split(separator: "\n")[2])).hostID != 0, "it ran in a user namespace: \(result)")
    }

    @Test("attack: a volume of a root-owned directory is never idmapped (the container would get root's rights there): nothing is written")
    func rootOwnedVolumeIsNotIdmapped() throws {
        guard let fixture = RunFixture.available() else { return }
        let setup = try Setup(fixture)
        let profile = try RunFixture.writeProfile(in: setup.temp.url, name: "userns-writable", extra: "volumes:\n  allowWritable: true")
        let data = setup.temp.url.appendingPathComponent("rootowned")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        chmod(data.path, 0o755)
        let result = try setup.run(["-v", "\(data.path):/data"], ["sh", "-c", "echo x > /data/new; echo wrote $?"], profile: profile)
        #expect(result.stdout == "wrote 1\n", "\(result)")
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("new").path))
    }

    @Test("30 containers started at once, all running together, get 30 disjoint id blocks, none holding a host account's uid")
    func concurrentBlocksAreDisjoint() throws {
        guard let fixture = RunFixture.available() else { return }
        let setup = try Setup(fixture)
        let ids = Mutex<[String]>([])
        let failures = Mutex<[CLIResult]>([])
        DispatchQueue.concurrentPerform(iterations: 30) { _ in
            guard let result = try? setup.run(["-d"], ["sleep", "60"]) else { return }
            if result.status == 0 {
                ids.withLock { $0.append(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) }
            } else {
                failures.withLock { $0.append(result) }
            }
        }
        let started = ids.withLock { $0 }
        defer { _ = try? setup.cli.run(["rm", "-f"] + started, timeout: 120) }
        #expect(started.count == 30, "\(failures.withLock { $0 })")
        var maps: [IdMapping] = []
        for id in started {
            let inspected = try setup.cli.run(["inspect", id])
            let object = (try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [[String: Any]])?.first
            let first = ((object?["userNamespace"] as? [String: Any])?["uidMappings"] as? [[String: Any]])?.first
            guard let host = first?["hostID"] as? Int, let size = first?["size"] as? Int else {
                Issue.record("\(id) shows no user namespace: \(inspected)")
                continue
            }
            maps.append(IdMapping(containerID: 0, hostID: UInt32(host), size: UInt32(size)))
        }
        #expect(Set(maps.map(\.hostID)).count == 30 && !maps.contains { $0.hostID == 0 }, "\(maps)")
        for (index, a) in maps.enumerated() {
            for b in maps[(index + 1)...] { #expect(a.hostID + a.size <= b.hostID || b.hostID + b.size <= a.hostID, "\(a) and \(b) overlap") }
        }
        let accounts = ((try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            line.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first.flatMap { UInt32($0) }
        }
        #expect(!accounts.contains { uid in maps.contains { $0.containerID(of: uid) != nil } }, "no block holds an account's uid")
    }

    @Test(
        "SIGKILL at each step of a start (after the decision, the sweep, the claim, the set-up, the runtime's start) leaves no id block, mount or process once swept",
        arguments: ["prepared", "swept", "claimed", "steps set up", "runtime started the container"])
    func killedAtEachStep(phase: String) throws {
        guard let fixture = RunFixture.available() else { return }
        let setup = try Setup(fixture)
        let run = try BackgroundRun(
            ["run", "--profile", fixture.profile, setup.image, "sleep", "60"], root: setup.cli.root, logDirectory: setup.temp.url, name: "killed",
            tracingPhases: true)
        #expect(run.waitFor("phase \(phase):"), "\(phase) never came: \(run.output)")
        run.killHard()
        let gc = try setup.cli.run(["gc"])
        #expect(gc.status == 0, "\(gc)")
        let root = setup.cli.root.resolvingSymlinksInPath().path
        let leases = "/run/securerun/idblocks"
        let held = ((try? FileManager.default.contentsOfDirectory(atPath: leases)) ?? []).filter { name in
            let owner = (try? String(contentsOfFile: "\(leases)/\(name)", encoding: .utf8)) ?? ""
            return owner.hasPrefix(root) || owner.hasPrefix(setup.cli.root.path)
        }
        #expect(held.isEmpty, "killed after \(phase): blocks \(held) still leased")
        #expect(RunMountTests.mountPoints(under: setup.cli.root.path).isEmpty, "killed after \(phase): mounts left")
        // No process of this state root survives: the container's, runc's, or a helper's (by cgroup).
        let tag = RunFixture.cgroupTag(root: setup.cli.root)
        var survivors: [String] = []
        Wait.until {
            survivors = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
                guard Int(pid) != nil, let cgroup = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return false }
                let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
                return cgroup.contains(tag) && !stat.contains(") Z ")
            }
            return survivors.isEmpty
        }
        #expect(survivors.isEmpty, "killed after \(phase): processes \(survivors) left")
        #expect(Leftovers.of(root: setup.cli.root).isEmpty, "killed after \(phase): \(Leftovers.of(root: setup.cli.root))")
    }

    @Test("userNamespace: off keeps host ids (identity map); required runs mapped")
    func profileSettingDecides() throws {
        guard let fixture = RunFixture.available() else { return }
        let setup = try Setup(fixture)
        let off = try setup.run([], ["cat", "/proc/self/uid_map"], profile: try setup.profile("off"))
        #expect(off.status == 0, "\(off)")
        let identity = try Self.map(off.stdout)
        #expect(identity == IdMapping(containerID: 0, hostID: 0, size: UInt32.max), "\(off)")
        let required = try setup.run([], ["cat", "/proc/self/uid_map"], profile: try setup.profile("required"))
        #expect(required.status == 0, "\(required)")
        let mapped = try Self.map(required.stdout)
        #expect(mapped.hostID != 0, "\(required)")
    }

    @Test("a SIGKILLed securerun leaves no id block leased and no mount once swept")
    func killedSecurerunLeavesNoIdBlock() throws {
        guard let fixture = RunFixture.available() else { return }
        let setup = try Setup(fixture)
        let (run, pid) = try setup.background("killed")
        let directory = try #require(
            Self.heldBlocks().first { $0.owner.hasPrefix(setup.cli.root.resolvingSymlinksInPath().path) || $0.owner.hasPrefix(setup.cli.root.path) },
            "no block leased while it runs")
        #expect(try Self.hostUid(pid) > 65535)
        run.killHard()
        let gc = try setup.cli.run(["gc"])
        #expect(gc.status == 0, "\(gc)")
        #expect(!Self.heldBlocks().contains { $0.owner == directory.owner }, "block \(directory.index) still leased")
        #expect(RunMountTests.mountPoints(under: setup.cli.root.path).isEmpty, "mounts left")
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        #expect(stat.isEmpty || stat.contains(") Z "), "the container's init survived: \(stat)")
    }
}
