import Foundation
import Testing

@testable import DockerCompat
@testable import Policy

/// The refusals docker's flags can ask for (SR015–SR024, extra tmpfs, sensitive host paths, ulimits, CPU),
/// each with a request that triggers it and one that does not.
@Suite("Policy: the rules behind docker's flags")
struct RequestRuleTests {
    let profile: Profile
    let extraTmpfsProfile: Profile
    let writableProfile: Profile
    static let host = HostFacts(rlimits: [.nofile: (1024, 4096), .core: (0, -1)], cpus: [0, 1], memoryNodes: [0], platform: "linux/amd64")

    init() throws {
        profile = try ProfileFixtures.parse("name: unit\n")
        extraTmpfsProfile = try ProfileFixtures.parse(
            "name: extra\nresources:\n  memory: 64m\nextraTmpfs:\n  allow: true\n  maxSize: 32m\n  maxMounts: 3\n", name: "extra")
        writableProfile = try ProfileFixtures.parse("name: writable\nvolumes:\n  allowWritable: true\n", name: "writable")
    }

    func outcome(_ flags: [String], profile: Profile? = nil, mode: GrammarMode = .securerunRun) throws -> Result<HardenedSpec, PolicyError> {
        let context = ParseContext(environment: [:], workingDirectory: "/work", files: InMemoryFiles())
        let request = try DockerRunParser.parse(flags + ["img"], mode: mode, context: context).request
        do {
            return .success(
                try Policy.enforce(
                    request, profile: profile ?? self.profile, image: ImageDefaults(cmd: ["/bin/sh"]), hostSecrets: HostSecrets(patterns: []), host: Self.host))
        } catch {
            return .failure(error)
        }
    }

    func rule(_ flags: [String], profile: Profile? = nil, mode: GrammarMode = .securerunRun) throws -> PolicyViolation.Rule? {
        if case .failure(.violation(let violation)) = try outcome(flags, profile: profile, mode: mode) { return violation.rule }
        return nil
    }

    func accepted(_ flags: [String], profile: Profile? = nil) throws -> HardenedSpec? {
        if case .success(let spec) = try outcome(flags, profile: profile) { return spec }
        return nil
    }

    static let refusals: [([String], PolicyViolation.Rule)] = [
        // SR015 the host's or another container's namespaces
        (["--pid", "host"], .hostNamespaces), (["--pid=container:db"], .hostNamespaces), (["--ipc", "host"], .hostNamespaces),
        (["--ipc", "shareable"], .hostNamespaces), (["--ipc", "container:db"], .hostNamespaces), (["--uts=host"], .hostNamespaces),
        (["--userns", "host"], .hostNamespaces), (["--cgroupns", "host"], .hostNamespaces),
        // SR016 devices
        (["--device", "/dev/kvm"], .hostDevices), (["--device", "nvidia.com/gpu=all"], .hostDevices), (["--gpus", "all"], .hostDevices),
        (["--device-cgroup-rule", "c 42:* rmw"], .hostDevices),
        // SR017 OOM
        (["--oom-kill-disable"], .oomProtection), (["--oom-score-adj", "-500"], .oomProtection),
        // SR018 sysctls
        (["--sysctl", "kernel.pid_max=10"], .sysctls), (["--sysctl", "net.ipv4.ip_forward=1"], .sysctls), (["--sysctl", "vm.swappiness=1"], .sysctls),
        (["--sysctl", "net.ipv4.conf.all.route_localnet=1"], .sysctls),
        // SR019–SR022
        (["--cgroup-parent", "/system.slice"], .cgroupParent), (["--use-api-socket"], .engineSocket), (["--volumes-from", "db:ro"], .volumesFrom),
        (["--annotation", "run.oci.keep_original_groups=1"], .runtimeOverrides),
        // SR023 ulimits only lower
        (["--ulimit", "nofile=600000"], .ulimits), (["--ulimit", "nofile=1024:-1"], .ulimits), (["--ulimit", "core=1"], .ulimits),
        (["--ulimit", "stack=8192:-1"], .ulimits),
        // SR024 not supported yet
        // SR033 a restart policy the profile does not allow (this one allows none)
        (["--restart", "always"], .restartPolicy), (["--restart", "unless-stopped"], .restartPolicy), (["--restart", "on-failure:3"], .restartPolicy),
        (["--pull", "always"], .notSupported), (["--platform", "linux/arm64"], .notSupported), (["--log-driver", "syslog"], .notSupported),
        (["--log-opt", "max-size=10m"], .notSupported), (["--health-start-interval", "1s"], .notSupported), (["--sig-proxy=false"], .notSupported),
        (["--detach-keys", "ctrl-a"], .notSupported), (["--cidfile", "/tmp/id"], .notSupported), (["--blkio-weight", "300"], .notSupported),
        (["--kernel-memory", "50m"], .notSupported), (["--security-opt", "apparmor=docker-default"], .notSupported),
        (["--security-opt", "label=type:spc_t"], .notSupported), (["--isolation", "hyperv"], .notSupported), (["--cpu-count", "2"], .notSupported),
        (["--disable-content-trust=false"], .notSupported), (["--volume-driver", "local"], .notSupported), (["--storage-opt", "size=1G"], .notSupported),
        (["-a", "stdout"], .notSupported),
        // network (SR012) without a network
        (["--dns", "1.1.1.1"], .network), (["--add-host", "db:10.0.0.2"], .network), (["--link", "db"], .network), (["--ip", "10.0.0.3"], .network),
        (["--network", "container:db"], .network), (["--network", "none", "--network-alias", "x"], .network), (["--network=name=none,alias=x"], .network),
        // memory, CPU and /dev/shm (SR006, SR007, SR011)
        (["--cpuset-cpus", "0-3"], .cpu), (["--cpu-rt-period", "1000"], .cpu), (["--shm-size", "65m"], .tmpfs),
    ]

    @Test("refused, by the rule that names why", arguments: refusals.indices)
    func refused(_ index: Int) throws {
        let (flags, expected) = Self.refusals[index]
        let actual = try rule(flags)
        #expect(actual == expected, "\(flags): \(actual?.id ?? "accepted")")
    }

    static let allowed: [[String]] = [
        ["--ipc", "private"], ["--ipc", "none"], ["--cgroupns", "private"], ["--pid", ""], ["--oom-score-adj", "500"], ["--oom-kill-disable=false"],
        ["--sysctl", "kernel.shm_rmid_forced=1"], ["--sysctl", "fs.mqueue.msg_max=20"], ["--sysctl", "net.ipv4.ip_unprivileged_port_start=80"],
        ["--use-api-socket=false"], ["--ulimit", "nofile=512:2048"], ["--ulimit", "core=0"], ["--restart", "no"], ["--pull", "never"],
        ["--pull", "missing"], ["--platform", "linux/amd64"], ["--sig-proxy"], ["--no-healthcheck"], ["-q"], ["--disable-content-trust"],
        ["--isolation", "default"], ["--security-opt", "seccomp=builtin"], ["--security-opt", "writable-cgroups=false"], ["--cpuset-cpus", "1"],
        ["--cpuset-mems", "0"], ["--shm-size", "8m"], ["--network", "none"], ["-a", "stdout", "-a", "stderr"],
        ["-i", "-a", "stdin", "-a", "stdout", "-a", "stderr"],
        ["--stop-signal", "SIGQUIT", "--stop-timeout", "30"], ["--memory-reservation", "32m"],
    ]

    @Test("the same flags asking for nothing more are accepted", arguments: allowed)
    func accepts(_ flags: [String]) throws {
        let result = try outcome(flags)
        if case .failure(let error) = result { Issue.record("\(flags): \(error)") }
    }

    @Test("the refusal quotes the flag as typed, even inside a combined word, and keeps its position")
    func origins() throws {
        guard case .failure(.violation(let violation)) = try outcome(["--rm", "-itP"]) else { throw TestFailure("-P was accepted") }
        #expect(violation.flag == "-P" && violation.origin?.index == 1 && violation.origin?.offset == 3 && violation.rule == .network)
        let lint = Policy.requestViolations(
            try Requests.parse(["--privileged", "--pid=host", "-p", "80:80", "--restart", "always"]), profile: profile, host: Self.host)
        #expect(lint.map(\.rule) == [.privileged, .hostNamespaces, .publish, .restartPolicy])
        #expect(lint.map { $0.origin?.index } == [0, 1, 2, 4])
    }

    @Test("docker's --runtime is refused under docker's grammar; securerun run's --runtime is securerun's own")
    func runtimeFlag() throws {
        #expect(try rule(["--runtime", "runsc"], mode: .dockerRun) == .runtimeOverrides)
        #expect(try rule(["--runtime", "crun"]) == nil)
    }

    @Test("--ulimit: each limit lowered reaches the spec, the last one of a name wins")
    func ulimits() throws {
        let spec = try #require(try accepted(["--ulimit", "nofile=100", "--ulimit", "nofile=200:300", "--ulimit", "core=0"]))
        // The profile's limits, each lowered by the request where it asks.
        #expect(
            spec.rlimits == [
                Ulimit(name: .nofile, soft: 200, hard: 300), Ulimit(name: .core, soft: 0, hard: 0), Ulimit(name: .memlock, soft: 8 << 20, hard: 8 << 20),
            ])
    }

    @Test("a profile's rlimits are the ceiling --ulimit lowers; above securerun's own hard limit they are lowered to it (it could not raise them)")
    func profileRlimits() throws {
        let profile = try ProfileFixtures.parse("name: limits\nrlimits:\n  nofile: \"256:2048\"\n  nproc: 64\n  stack: \"1024:-1\"\n")
        let host = HostFacts(rlimits: [.nofile: (1024, 4096), .core: (0, -1), .stack: (8192, 16384)], cpus: [0, 1], memoryNodes: [0], platform: "linux/amd64")
        let spec = try Policy.enforce(try Requests.parse([]), profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]), host: host)
        #expect(spec.rlimits.map(\.description) == ["core=0:0", "memlock=8388608:8388608", "nofile=256:2048", "nproc=64:64", "stack=1024:16384"])
        let lowered = try Policy.enforce(
            try Requests.parse(["--ulimit", "nofile=100:200"]), profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]), host: host)
        #expect(lowered.rlimits.contains(Ulimit(name: .nofile, soft: 100, hard: 200)))
        #expect(throws: PolicyError.self) {
            try Policy.enforce(try Requests.parse(["--ulimit", "nofile=4096"]), profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]), host: host)
        }
        for (bad, field) in [("  nofile: \"9:3\"\n", "rlimits.nofile"), ("  files: 3\n", "rlimits.files"), ("  core: lots\n", "rlimits.core")] {
            #expect(throws: PolicyError.self, "\(field)") { try ProfileFixtures.parse("name: limits\nrlimits:\n" + bad) }
        }
    }

    @Test("CPU: --cpus and --cpu-quota cannot be combined; quota and period give the profile's CPUs at most")
    func cpu() throws {
        guard case .failure(.invalidRequest(let flag, _, _)) = try outcome(["--cpus", "0.5", "--cpu-quota", "10000"]) else {
            throw TestFailure("--cpus with --cpu-quota accepted")
        }
        #expect(flag == "--cpus 0.5")
        #expect(try accepted(["--cpu-period", "10000"])?.cpuQuota == 10_000)
        #expect(try rule(["--cpu-quota", "150000"]) == .cpu)
        #expect(try accepted(["--cpu-quota", "50000"])?.cpuQuota == 50_000)
        #expect(try accepted(["-c", "0"])?.cpuShares == nil)
    }

    // MARK: - Extra tmpfs mounts

    @Test("extra tmpfs: allowed by the profile, noexec, default and capped size, count and total within memory")
    func extraTmpfs() throws {
        let spec = try #require(try accepted(["--tmpfs", "/run", "--mount", "type=tmpfs,dst=/var/cache/nginx,tmpfs-size=8m"], profile: extraTmpfsProfile))
        #expect(spec.tmpfs.map(\.path) == ["/tmp", "/run", "/var/cache/nginx"])
        #expect(spec.tmpfs[1].size.bytes == 32 << 20 && spec.tmpfs[2].size.bytes == 8 << 20 && spec.tmpfs.allSatisfy { !$0.exec })
        #expect(try rule(["--tmpfs", "/run:size=33m"], profile: extraTmpfsProfile) == .tmpfs)
        #expect(try rule(["--tmpfs", "/run:exec"], profile: extraTmpfsProfile) == .tmpfs)
        #expect(try rule(["--tmpfs", "/a", "--tmpfs", "/b", "--tmpfs", "/c:size=1m", "--tmpfs", "/d:size=1m"], profile: extraTmpfsProfile) == .tmpfs)
        // 32m + 32m + 1m is over the 64m memory limit: tmpfs pages count against it.
        #expect(try rule(["--tmpfs", "/a", "--tmpfs", "/b", "--tmpfs", "/c:size=1m"], profile: extraTmpfsProfile) == .tmpfs)
        #expect(try rule(["--tmpfs", "/proc/x"], profile: extraTmpfsProfile) == .tmpfs)
        #expect(try rule(["--tmpfs", "/dev/shm"], profile: extraTmpfsProfile) == .tmpfs)
        #expect(try rule(["--tmpfs", "/"], profile: extraTmpfsProfile) == .tmpfs)
        #expect(try rule(["--tmpfs", "/run"]) == .tmpfs, "a profile without extraTmpfs forbids them")
        guard case .failure(.invalidRequest) = try outcome(["--tmpfs", "/run", "--tmpfs", "/run/"], profile: extraTmpfsProfile) else {
            throw TestFailure("a duplicate tmpfs was accepted")
        }
        guard case .failure(.invalidRequest) = try outcome(["--tmpfs", "/a/../b"], profile: extraTmpfsProfile) else { throw TestFailure(".. accepted") }
    }

    @Test("a profile's extraTmpfs is validated: maxSize within memory, maxMounts 1–64, unknown keys refused")
    func extraTmpfsProfileValidation() {
        #expect(throws: PolicyError.self) { try ProfileFixtures.parse("resources:\n  memory: 64m\nextraTmpfs:\n  allow: true\n  maxSize: 128m\n") }
        #expect(throws: PolicyError.self) { try ProfileFixtures.parse("extraTmpfs:\n  allow: true\n  maxMounts: 0\n") }
        #expect(throws: PolicyError.self) { try ProfileFixtures.parse("extraTmpfs:\n  allow: true\n  maxSizes: 1m\n") }
    }

    // MARK: - Sensitive host paths

    static let systemPaths = ["/etc/nginx", "/usr", "/usr/bin", "/lib/modules", "/etc/ssh/ssh_host_ed25519_key.pub", "/boot", "/run/user/1000", "/var/run"]

    // Attack: a read-only bind of the host's /etc or /usr still shows its configuration (database passwords,
    // Wi-Fi keys, TLS keys under names no list can foresee) and /run holds sockets a read-only mount cannot stop.
    @Test("the host's system directories and /run are refused even read-only", arguments: systemPaths)
    func systemDirectoriesRefused(_ path: String) throws {
        guard case .failure(.violation(let violation)) = try outcome(["-v", "\(path):/x:ro"]) else { throw TestFailure("\(path) mounted") }
        #expect(violation.rule == .volumes && violation.flag == "-v \(path):/x:ro", "\(violation)")
    }

    @Test("harmless system files may be mounted read-only, never writable")
    func harmlessSystemPaths() throws {
        for path in ["/etc/ssl/certs", "/etc/localtime", "/etc/hosts", "/etc/passwd", "/usr/share/zoneinfo"] {
            #expect(try accepted(["-v", "\(path):/x:ro"]) != nil, "\(path)")
            #expect(try rule(["-v", "\(path):/x"], profile: writableProfile) == .volumes, "\(path) writable")
        }
    }

    // Attack: securerun reads a request's seccomp file as root; a JSON error about /etc/shadow quoted its
    // first character, an oracle for a file the caller may not read.
    @Test("a request's seccomp file is read only from where a volume could come from, symlinks judged by their target")
    func seccompFileIsReadAsTheCallerCouldSeeIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-seccomp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let link = directory.appendingPathComponent("profile.json")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/etc/shadow")
        for path in ["/etc/shadow", link.path] {
            let context = ParseContext(environment: [:], workingDirectory: "/", files: InMemoryFiles())
            let request = try DockerRunParser.parse(["--security-opt", "seccomp=\(path)", "img"], mode: .securerunRun, context: context).request
            #expect {
                try Policy.enforce(request, profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]))
            } throws: { error in
                guard case .invalidRequest(_, let reason, _) = error as? PolicyError else { return false }
                return reason.hasPrefix("cannot read \(path): securerun reads it as root") && reason.contains("holds host credentials")
            }
        }
        let shipped = ProfileFixtures.profilesDirectory.appendingPathComponent("seccomp/default.json").path
        #expect(try accepted(["--security-opt", "seccomp=\(shipped)"]) != nil)
    }

    @Test("with a volume, a supplementary group below 1000 is refused (SR014); without one it is set")
    func groupsWithVolumes() throws {
        #expect(try rule(["-v", "/srv/data:/d:ro", "--group-add", "42"]) == .volumeIDs)
        #expect(try accepted(["--group-add", "42"])?.additionalGids == [42])
        #expect(try rule(["--group-add", "root"]) == .nonRootUser)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
