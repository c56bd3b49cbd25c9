import Capabilities
import Foundation
import Testing

@testable import Policy

@Suite("Policy.enforce: tighten, never loosen")
struct EnforceTests {
    let profile: Profile
    let image = ImageDefaults(env: ["PATH=/bin", "LANG=C"], cmd: ["/bin/sh"])

    init() throws {
        profile = try ProfileFixtures.parse(
            "name: unit\ncapabilities: [NET_BIND_SERVICE]\nresources:\n  memory: 256m\n  memorySwap: 512m\n  cpus: 1\n  pidsLimit: 100\n")
    }

    func enforce(_ flags: [String], image: ImageDefaults? = nil, protectedHostPaths: [String] = []) throws -> HardenedSpec {
        try Policy.enforce(Requests.parse(flags), profile: profile, image: image ?? self.image, protectedHostPaths: protectedHostPaths)
    }

    func violation(_ flags: [String]) throws -> PolicyViolation? {
        do {
            _ = try enforce(flags)
            return nil
        } catch let error as PolicyError {
            if case .violation(let violation) = error { return violation }
            return nil
        }
    }

    @Test("a plain request gets exactly the profile's floor")
    func floor() throws {
        let spec = try enforce([])
        #expect(spec.user == UserID(uid: 65534, gid: 65534))
        #expect(spec.readOnlyRootfs && spec.noNewPrivileges)
        #expect(spec.capabilities == [try Capability(parsing: "NET_BIND_SERVICE")])
        #expect(spec.memory.bytes == 256 << 20 && spec.memorySwap.bytes == 512 << 20)
        #expect(spec.cpuQuota == 100_000 && spec.cpuPeriod == 100_000)
        #expect(spec.pidsLimit == 100)
        #expect(spec.args == ["/bin/sh"])
        #expect(spec.env == ["PATH=/bin", "LANG=C"])
        #expect(spec.cwd == "/")
        #expect(spec.tmpfs.allSatisfy { !$0.exec })
        #expect(spec.shmSize?.bytes == 64 << 20 && spec.additionalGids.isEmpty && spec.sysctls.isEmpty)
        // The profile's limits (the default ones), each at most securerun's own hard limit.
        #expect(spec.rlimits.map(\.name) == [.nofile, .core, .memlock] && spec.rlimits.first?.soft == 1024)
        #expect(spec.rlimits.dropFirst().map(\.description) == ["core=0:0", "memlock=8388608:8388608"])
    }

    static let loosening: [(String, [String], PolicyViolation.Rule)] = [
        ("uid 0", ["--user", "0"], .nonRootUser),
        ("root by name", ["-u", "root"], .nonRootUser),
        ("root group", ["--user", "1000:0"], .nonRootUser),
        ("uid 0 spelt 00", ["--user=00"], .nonRootUser),
        ("gid 0 spelt 00", ["-u1000:00"], .nonRootUser),
        ("root group by name", ["--user", "1000:root"], .nonRootUser),
        ("supplementary root group", ["--group-add", "0"], .nonRootUser),
        ("cap outside allow-list", ["--cap-add", "SYS_ADMIN"], .capabilities),
        ("cap ALL", ["--cap-add=ALL"], .capabilities),
        ("writable root", ["--read-only=false"], .readOnlyRootfs),
        ("no-new-privileges off", ["--security-opt", "no-new-privileges:false"], .noNewPrivileges),
        ("seccomp unconfined", ["--security-opt", "seccomp=unconfined"], .seccomp),
        ("memory above", ["-m", "257m"], .memory),
        ("memory 0 means unlimited", ["--memory", "0"], .memory),
        ("swap unlimited", ["--memory-swap", "-1"], .memory),
        ("swap above", ["--memory-swap", "1g"], .memory),
        ("lower memory turned into swap", ["--memory", "64m", "--memory-swap", "512m"], .memory),
        ("cpus above", ["--cpus", "1.5"], .cpu),
        ("cpus 0 means unlimited", ["--cpus=0"], .cpu),
        ("quota above the profile's CPUs", ["--cpu-period", "50000", "--cpu-quota", "75000"], .cpu),
        ("quota -1 means unlimited", ["--cpu-quota", "-1"], .cpu),
        ("shares above the default weight", ["-c", "2048"], .cpu),
        ("real-time budget", ["--cpu-rt-runtime", "950000"], .cpu),
        ("pids above", ["--pids-limit", "101"], .pids),
        ("pids unlimited", ["--pids-limit", "0"], .pids),
        ("privileged", ["--privileged"], .privileged),
        ("rw volume", ["-v", "/srv:/srv:rw"], .volumes),
        ("-v is writable unless :ro", ["-v", "/srv:/srv"], .volumes),
        ("host root volume", ["-v", "/:/host:ro"], .volumes),
        ("docker socket", ["-v", "/var/run/docker.sock:/sock:ro"], .volumes),
        ("volume over /proc", ["-v", "/srv:/proc/x:ro"], .volumes),
        ("parent of the docker socket", ["-v", "/run:/x:ro"], .volumes),
        ("parent of the state root", ["-v", "/var:/x:ro"], .volumes),
        ("grandparent of the state root", ["-v", "/var/lib:/x:ro"], .volumes),
        ("named volume", ["-v", "data:/data"], .volumes),
        ("anonymous volume", ["-v", "/data"], .volumes),
        ("--mount type=volume", ["--mount", "type=volume,source=data,target=/data"], .volumes),
        ("--mount bind is writable by default", ["--mount", "type=bind,src=/srv,dst=/srv"], .volumes),
        ("shared propagation", ["-v", "/srv:/srv:ro,rshared"], .volumes),
        ("SELinux relabel", ["-v", "/srv:/srv:ro,Z"], .volumes),
        ("new tmpfs without extraTmpfs", ["--tmpfs", "/run"], .tmpfs),
        ("bigger tmpfs", ["--tmpfs", "/tmp:size=1g"], .tmpfs),
        ("exec tmpfs", ["--tmpfs", "/tmp:exec"], .tmpfs),
        ("suid tmpfs", ["--tmpfs", "/tmp:suid"], .tmpfs),
        ("bigger /dev/shm", ["--shm-size", "1g"], .tmpfs),
        ("host network", ["--network", "host"], .network),
        ("bridge network", ["--net=bridge"], .network),
        ("published port", ["-p", "8080:80"], .publish),
        ("systempaths", ["--security-opt", "systempaths=unconfined"], .securityOptions),
        ("apparmor off", ["--security-opt", "apparmor=unconfined"], .securityOptions),
        ("SELinux off", ["--security-opt", "label=disable"], .securityOptions),
        ("writable cgroups", ["--security-opt", "writable-cgroups=true"], .securityOptions),
    ]

    @Test("each loosening request is refused by its rule", arguments: loosening.indices)
    func refused(_ index: Int) throws {
        let (name, flags, rule) = Self.loosening[index]
        let refused = try violation(flags)
        #expect(refused?.rule == rule, "\(name): \(refused.map(\.description) ?? "accepted")")
    }

    @Test("user ids must be plain digits: +0 and other spellings are not numbers")
    func userSpelling() {
        for text in ["+0", "1e3", "0x1", "１"] {
            #expect(throws: PolicyError.self) { try enforce(["--user", text]) }
        }
        #expect(UserID(parsing: "+0") == nil)
        #expect(UserID(parsing: "00")?.isRoot == true)
    }

    @Test("the caller's state root and every directory above it are refused as volume sources")
    func protectedStateRoot() throws {
        let state = "/srv/securerun-state"
        for source in ["/srv/securerun-state", "/srv/securerun-state/rootfs", "/srv"] {
            #expect(throws: PolicyError.self) { try enforce(["-v", "\(source):/x:ro"], protectedHostPaths: [state]) }
        }
        let sibling = try enforce(["-v", "/srv/data:/x:ro"], protectedHostPaths: [state])
        #expect(sibling.volumes.map(\.source) == ["/srv/data"])
    }

    @Test("the refusal names the flag as typed, the profile and the rule, and keeps the flag's position")
    func message() throws {
        let refused = try violation(["-d", "-u", "0"])
        #expect(
            refused?.description
                == "-u 0 refused by profile \"unit\": containers run as a non-root uid and gid (the profile's is 65534:65534); name another user, such as -u 1000:1000 [SR001 non-root-user]"
        )
        #expect(refused?.origin?.index == 1)
    }

    @Test("tightening applies: lower limits, another non-root user, fewer capabilities, smaller tmpfs")
    func tightening() throws {
        let spec = try enforce([
            "-m", "64m", "--cpus", "0.25", "--pids-limit", "10", "--user", "1000:1000", "--cap-drop", "ALL", "--tmpfs", "/tmp:size=1m,mode=700",
            "--security-opt", "no-new-privileges", "--security-opt", "seccomp=builtin", "--read-only", "--network", "none", "-v", "/srv:/data:ro",
        ])
        #expect(spec.memory.bytes == 64 << 20)
        // Unset swap keeps the profile's swap allowance (256m) on top of the lower memory.
        #expect(spec.memorySwap.bytes == (64 + 256) << 20)
        #expect(spec.cpuQuota == 25_000)
        #expect(spec.pidsLimit == 10)
        #expect(spec.user == UserID(uid: 1000, gid: 1000))
        #expect(spec.capabilities.isEmpty)
        #expect(spec.tmpfs == [TmpfsMount(path: "/tmp", size: ByteSize(bytes: 1 << 20), mode: 0o700)])
        #expect(spec.volumes == [BindMount(source: "/srv", destination: "/data", readOnly: true)])
    }

    @Test("--cap-add of an allowed capability after --cap-drop ALL keeps just that one")
    func capDropAllThenAdd() throws {
        let spec = try enforce(["--cap-drop", "ALL", "--cap-add", "cap_net_bind_service"])
        #expect(spec.capabilities.map(\.name) == ["CAP_NET_BIND_SERVICE"])
    }

    @Test("memory-swap below memory is a bad request, not a violation")
    func swapBelowMemory() throws {
        #expect {
            try enforce(["--memory", "64m", "--memory-swap", "32m"])
        } throws: { error in
            guard case .invalidRequest(let flag, let reason, let origin) = error as? PolicyError else { return false }
            return flag == "--memory-swap 32m" && reason == "memory plus swap must be at least --memory (64m)" && origin?.index == 2
        }
    }

    @Test("the image's root user is replaced by the profile's; a non-root image user is honoured")
    func imageUser() throws {
        #expect(try enforce([], image: ImageDefaults(user: "0:0", cmd: ["/bin/sh"])).user.uid == 65534)
        #expect(try enforce([], image: ImageDefaults(user: "1000:1000", cmd: ["/bin/sh"])).user.uid == 1000)
    }

    @Test("entrypoint and command follow docker's rules; --entrypoint \"\" clears the entrypoint and the Cmd")
    func processArgs() throws {
        let image = ImageDefaults(entrypoint: ["/entry"], cmd: ["--default"], workingDir: "/app")
        func args(_ flags: [String], _ command: [String] = []) throws -> [String] {
            try Policy.enforce(Requests.parse(flags, command: command), profile: profile, image: image).args
        }
        #expect(try args([]) == ["/entry", "--default"])
        #expect(try args([], ["x"]) == ["/entry", "x"])
        #expect(try args(["--entrypoint", "/other"]) == ["/other"])
        #expect(try args(["--entrypoint", ""], ["sh", "-c", "id"]) == ["sh", "-c", "id"])
        #expect(try args(["--entrypoint="], ["sh"]) == ["sh"])
        #expect(throws: PolicyError.self) { try args(["--entrypoint", ""]) }
        #expect(try enforce([], image: image).cwd == "/app")
        #expect(throws: PolicyError.self) { try enforce([], image: ImageDefaults()) }
    }

    @Test("request env overrides the image's and PATH is always set")
    func environment() throws {
        let spec = try enforce(["-e", "LANG=en", "--env=NEW=1"], image: ImageDefaults(env: ["LANG=C"], cmd: ["x"]))
        #expect(spec.env == [ProcessDefaults.defaultPath, "LANG=en", "NEW=1"])
    }
}
