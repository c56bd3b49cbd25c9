import Foundation
import Testing

@testable import Policy
@testable import Runtime

@Suite("SpecBuilder: the config.json a hardened spec becomes")
struct SpecBuilderTests {
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func spec(_ flags: [String] = []) throws -> RuntimeSpec {
        let profile = try ProfileLoader.parse(
            "capabilities: [NET_BIND_SERVICE]\nextraTmpfs:\n  allow: true\n", file: packageRoot.appendingPathComponent("profiles/unit.yaml"))
        let request = try Requests.parse(flags)
        let hardened = try Policy.enforce(request, profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]))
        return SpecBuilder.spec(for: hardened, rootfs: URL(fileURLWithPath: "/var/lib/securerun/rootfs/abc"), cgroupsPath: "/securerun/c1")
    }

    @Test("root is the shared rootfs, read-only; no_new_privs is set")
    func root() throws {
        let spec = try spec()
        #expect(spec.root == RuntimeSpec.Root(path: "/var/lib/securerun/rootfs/abc", readonly: true))
        #expect(spec.process.noNewPrivileges)
        #expect(spec.process.terminal == false)
    }

    @Test("capability sets carry only the allow-list, and are empty after --cap-drop ALL")
    func capabilities() throws {
        let allowed = try spec().process.capabilities
        #expect(allowed.bounding == ["CAP_NET_BIND_SERVICE"] && allowed.ambient == ["CAP_NET_BIND_SERVICE"])
        let none = try spec(["--cap-drop", "ALL"]).process.capabilities
        #expect(none.bounding.isEmpty && none.effective.isEmpty && none.permitted.isEmpty && none.inheritable.isEmpty && none.ambient.isEmpty)
    }

    // Attack: a writable, executable, setuid-capable scratch mount is where dropped payloads run from.
    @Test("tmpfs mounts are nosuid, nodev, noexec, size-limited and owned by the run user")
    func tmpfs() throws {
        let mount = try #require(try spec(["--user", "1000:1001"]).mounts.first { $0.destination == "/tmp" })
        #expect(mount.type == "tmpfs")
        for option in ["nosuid", "nodev", "noexec", "size=\(64 << 20)", "mode=1777", "uid=1000", "gid=1001"] {
            #expect(mount.options.contains(option), "missing \(option)")
        }
    }

    // Attack: a mount nested inside a read-only volume's source stayed writable, suid-capable and
    // with devices, because ro/nosuid/nodev only apply to the top mount of an rbind.
    @Test("volumes are bind mounts, read-only unless allowed, never suid or dev, down to nested mounts")
    func volumes() throws {
        let mount = try #require(try spec(["-v", "/srv/data:/data:ro"]).mounts.first { $0.destination == "/data" })
        #expect(mount.type == "bind" && mount.source == "/srv/data")
        #expect(mount.options == ["rbind", "ro", "nosuid", "nodev", "rro", "rnosuid", "rnodev"])
        let writable = SpecBuilder.volumeOptions(readOnly: false)
        #expect(writable.contains("rnosuid") && writable.contains("rnodev") && !writable.contains("rro") && !writable.contains("ro"))
    }

    @Test("the launcher's pinned staging paths replace volume sources by index; the root is the path given")
    func volumeSourceOverrides() throws {
        let profile = try ProfileLoader.parse("capabilities: []\n", file: packageRoot.appendingPathComponent("profiles/unit.yaml"))
        let request = try Requests.parse(["-v", "/srv/a:/a:ro", "-v", "/srv/b:/b:ro"])
        let hardened = try Policy.enforce(request, profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]))
        let own = URL(fileURLWithPath: "/var/lib/securerun/containers/c1/rootfs")
        let spec = SpecBuilder.spec(for: hardened, rootfs: own, cgroupsPath: "/securerun/c1", volumeSources: [1: "/var/lib/securerun/containers/c1/volumes/1"])
        #expect(spec.root.path == own.path && spec.root.readonly)
        #expect(spec.mounts.first { $0.destination == "/a" }?.source == "/srv/a")
        #expect(spec.mounts.first { $0.destination == "/b" }?.source == "/var/lib/securerun/containers/c1/volumes/1")
        #expect(hardened.volumes.map(\.source) == ["/srv/a", "/srv/b"])
    }

    // Attack: /sys writable lets a container poke kernel knobs; /proc/kcore leaks kernel memory.
    @Test("sysfs is read-only and docker's masked paths are masked")
    func systemPaths() throws {
        let spec = try spec()
        #expect(spec.mounts.first { $0.destination == "/sys" }?.options.contains("ro") == true)
        #expect(spec.linux.maskedPaths.contains("/proc/kcore"))
        #expect(spec.linux.readonlyPaths.contains("/proc/sysrq-trigger"))
    }

    @Test("a private network namespace and the other namespaces are created")
    func namespaces() throws {
        #expect(try spec().linux.namespaces.map(\.type) == ["pid", "network", "ipc", "uts", "mount"])
    }

    @Test("resources: memory, memory+swap, CPU quota and pids, and every device denied")
    func resources() throws {
        let resources = try spec(["-m", "128m", "--cpus", "0.5", "--pids-limit", "10"]).linux.resources
        #expect(resources.memory == RuntimeSpec.Memory(limit: 128 << 20, swap: 128 << 20))
        #expect(resources.cpu == RuntimeSpec.CPU(quota: 50_000, period: 100_000))
        #expect(resources.pids.limit == 10)
        #expect(resources.devices == [RuntimeSpec.DeviceRule(allow: false, access: "rwm")])
    }

    @Test("docker's resource flags reach the cgroup settings: reservation, swappiness, shares, cpuset, period and quota")
    func resourceFlags() throws {
        let resources = try spec([
            "-m", "128m", "--memory-reservation", "64m", "--memory-swappiness=0", "-c", "512", "--cpuset-cpus", "0", "--cpu-period", "50000",
            "--cpu-quota", "25000",
        ]).linux.resources
        #expect(resources.memory == RuntimeSpec.Memory(limit: 128 << 20, swap: 128 << 20, reservation: 64 << 20, swappiness: 0))
        #expect(resources.cpu == RuntimeSpec.CPU(quota: 25_000, period: 50_000, shares: 512, cpus: "0"))
    }

    @Test("--ulimit, --group-add, --sysctl, --oom-score-adj, --domainname, --cgroupns private and --shm-size reach the config")
    func processFlags() throws {
        let spec = try spec([
            "--ulimit", "nofile=512:1024", "--group-add", "1500", "--sysctl", "kernel.shm_rmid_forced=1", "--oom-score-adj", "500",
            "--domainname", "example.org", "--cgroupns", "private", "--shm-size", "16m",
        ])
        #expect(
            spec.process.rlimits == [
                RuntimeSpec.Rlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 512), RuntimeSpec.Rlimit(type: "RLIMIT_CORE", hard: 0, soft: 0),
                RuntimeSpec.Rlimit(type: "RLIMIT_MEMLOCK", hard: 8 << 20, soft: 8 << 20),
            ])
        #expect(spec.process.user.additionalGids == [spec.process.user.gid, 1500])
        #expect(spec.linux.sysctl == ["kernel.shm_rmid_forced": "1", "kernel.domainname": "example.org"])
        #expect(spec.process.oomScoreAdj == 500)
        #expect(spec.domainname == "example.org")
        #expect(spec.linux.namespaces.map(\.type).contains("cgroup"))
        #expect(spec.mounts.first { $0.destination == "/dev/shm" }?.options.contains("size=\(16 << 20)") == true)
        #expect(try self.spec(["--ipc", "none"]).mounts.contains { $0.destination == "/dev/shm" } == false)
    }

    // Attack: a binary dropped into a tmpfs the request added (/run) is executed, or made setuid.
    @Test("an extra --tmpfs mount is noexec, nosuid, nodev, size-capped and owned by the run user")
    func extraTmpfs() throws {
        let mount = try #require(try spec(["--tmpfs", "/run:size=8m", "--user", "1000"]).mounts.first { $0.destination == "/run" })
        for option in ["nosuid", "nodev", "noexec", "size=\(8 << 20)", "uid=1000", "gid=1000"] {
            #expect(mount.options.contains(option), "missing \(option)")
        }
    }

    // Two state roots with a container of the same --name shared /securerun/<name>, so their processes
    // were counted (and limited) together.
    @Test("cgroup paths are unique per state root and the same for one root however it is spelt")
    func cgroupPathsPerStateRoot() throws {
        let first = SpecBuilder.cgroupsPath("web", stateRoot: URL(fileURLWithPath: "/tmp/root-a"))
        let second = SpecBuilder.cgroupsPath("web", stateRoot: URL(fileURLWithPath: "/tmp/root-b"))
        #expect(first != second)
        #expect(first.hasPrefix("/securerun/") && first.hasSuffix("-web"))
        #expect(SpecBuilder.cgroupsPath("web", stateRoot: URL(fileURLWithPath: "/tmp/root-a/")) == first)
        #expect(SpecBuilder.cgroupsPath("web", stateRoot: URL(fileURLWithPath: "/tmp/x/../root-a")) == first)
    }

    @Test("the JSON uses the runtime-spec's key names")
    func jsonKeys() throws {
        let data = try JSONEncoder().encode(try spec())
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(json.keys) == ["ociVersion", "process", "root", "hostname", "mounts", "linux"], "no domainname unless asked for")
        let linux = try #require(json["linux"] as? [String: Any])
        #expect(Set(linux.keys) == ["resources", "cgroupsPath", "namespaces", "seccomp", "maskedPaths", "readonlyPaths"])
    }
}

@Suite("Runtime helpers")
struct RuntimeHelperTests {
    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("cgroup layouts are told apart")
    func cgroupLayout() throws {
        let root = try tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(CgroupLayout.current(root: root.path) == .v1)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("unified"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("unified/cgroup.controllers").path, contents: Data())
        #expect(CgroupLayout.current(root: root.path) == .hybrid)
        #expect(CgroupLayout.hybrid.crunIncompatibility != nil)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("cgroup.controllers").path, contents: Data())
        #expect(CgroupLayout.current(root: root.path) == .unified)
        #expect(CgroupLayout.unified.crunIncompatibility == nil)
    }

    @Test("commands are found in the rootfs through PATH, without following links to the host")
    func commandLookup() throws {
        let rootfs = try tempDir()
        defer { try? FileManager.default.removeItem(at: rootfs) }
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("usr/bin"), withIntermediateDirectories: true)
        // An absolute link is followed inside the image: /bin/sh here means the image's, not the host's.
        try FileManager.default.createSymbolicLink(atPath: rootfs.appendingPathComponent("usr/bin/tool").path, withDestinationPath: "/bin/sh")
        #expect(CommandLookup.find("tool", in: rootfs, env: ["PATH=/usr/bin"]) == .notFound, "the host has /bin/sh; the image does not")
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("bin"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: rootfs.appendingPathComponent("bin/sh").path, contents: Data(), attributes: [.posixPermissions: 0o755])
        #expect(CommandLookup.find("tool", in: rootfs, env: ["PATH=/usr/bin"]) == .found)
        #expect(CommandLookup.find("/usr/bin/tool", in: rootfs, env: []) == .found)
        #expect(CommandLookup.find("missing", in: rootfs, env: ["PATH=/usr/bin"]) == .notFound)
    }

    @Test("user names resolve through the image's passwd and group; a symlinked passwd is ignored")
    func imageUsers() throws {
        let rootfs = try tempDir()
        defer { try? FileManager.default.removeItem(at: rootfs) }
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("etc"), withIntermediateDirectories: true)
        try "app:x:1000:1001::/:/bin/sh\n".write(to: rootfs.appendingPathComponent("etc/passwd"), atomically: true, encoding: .utf8)
        try "staff:x:50:\n".write(to: rootfs.appendingPathComponent("etc/group"), atomically: true, encoding: .utf8)
        #expect(ImageUsers.numeric("app", rootfs: rootfs) == "1000:1001")
        #expect(ImageUsers.numeric("app:staff", rootfs: rootfs) == "1000:50")
        #expect(ImageUsers.numeric("1000", rootfs: rootfs) == "1000:1001")
        #expect(ImageUsers.numeric("ghost", rootfs: rootfs) == nil)
        try FileManager.default.removeItem(at: rootfs.appendingPathComponent("etc/passwd"))
        try FileManager.default.createSymbolicLink(atPath: rootfs.appendingPathComponent("etc/passwd").path, withDestinationPath: "/etc/passwd")
        #expect(ImageUsers.numeric("root", rootfs: rootfs) == nil)
    }

}
