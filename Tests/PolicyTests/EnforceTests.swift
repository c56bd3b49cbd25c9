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

    func request(_ configure: (inout RunRequest) -> Void) -> RunRequest {
        var request = RunRequest(image: "img")
        configure(&request)
        return request
    }

    func violation(_ request: RunRequest) -> PolicyViolation? {
        do {
            _ = try Policy.enforce(request, profile: profile, image: image)
            return nil
        } catch {
            if case .violation(let violation) = error { return violation }
            return nil
        }
    }

    @Test("a plain request gets exactly the profile's floor")
    func floor() throws {
        let spec = try Policy.enforce(RunRequest(image: "img"), profile: profile, image: image)
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
    }

    static let loosening: [(String, @Sendable (inout RunRequest) -> Void, PolicyViolation.Rule)] = [
        ("uid 0", { $0.user = "0" }, .nonRootUser),
        ("root by name", { $0.user = "root" }, .nonRootUser),
        ("root group", { $0.user = "1000:0" }, .nonRootUser),
        ("uid 0 spelt 00", { $0.user = "00" }, .nonRootUser),
        ("gid 0 spelt 00", { $0.user = "1000:00" }, .nonRootUser),
        ("root group by name", { $0.user = "1000:root" }, .nonRootUser),
        ("cap outside allow-list", { $0.capAdd = ["SYS_ADMIN"] }, .capabilities),
        ("cap ALL", { $0.capAdd = ["ALL"] }, .capabilities),
        ("writable root", { $0.readOnly = false }, .readOnlyRootfs),
        ("no-new-privileges off", { $0.securityOptions = ["no-new-privileges:false"] }, .noNewPrivileges),
        ("seccomp unconfined", { $0.securityOptions = ["seccomp=unconfined"] }, .seccomp),
        ("memory above", { $0.memory = "257m" }, .memory),
        ("swap unlimited", { $0.memorySwap = "-1" }, .memory),
        ("swap above", { $0.memorySwap = "1g" }, .memory),
        (
            "lower memory turned into swap",
            {
                $0.memory = "64m"; $0.memorySwap = "512m"
            }, .memory
        ),
        ("cpus above", { $0.cpus = "1.5" }, .cpu),
        ("pids above", { $0.pidsLimit = "101" }, .pids),
        ("pids unlimited", { $0.pidsLimit = "0" }, .pids),
        ("privileged", { $0.privileged = true }, .privileged),
        ("rw volume", { $0.volumes = ["/srv:/srv:rw"] }, .volumes),
        ("host root volume", { $0.volumes = ["/:/host:ro"] }, .volumes),
        ("docker socket", { $0.volumes = ["/var/run/docker.sock:/sock"] }, .volumes),
        ("volume over /proc", { $0.volumes = ["/srv:/proc/x"] }, .volumes),
        ("parent of the docker socket", { $0.volumes = ["/run:/x:ro"] }, .volumes),
        ("parent of the state root", { $0.volumes = ["/var:/x:ro"] }, .volumes),
        ("grandparent of the state root", { $0.volumes = ["/var/lib:/x:ro"] }, .volumes),
        ("new tmpfs", { $0.tmpfs = ["/run"] }, .tmpfs),
        ("bigger tmpfs", { $0.tmpfs = ["/tmp:size=1g"] }, .tmpfs),
        ("exec tmpfs", { $0.tmpfs = ["/tmp:exec"] }, .tmpfs),
        ("suid tmpfs", { $0.tmpfs = ["/tmp:suid"] }, .tmpfs),
        ("host network", { $0.network = "host" }, .network),
        ("bridge network", { $0.network = "bridge" }, .network),
        ("systempaths", { $0.securityOptions = ["systempaths=unconfined"] }, .securityOptions),
        ("apparmor off", { $0.securityOptions = ["apparmor=unconfined"] }, .securityOptions),
    ]

    @Test("each loosening request is refused by its rule", arguments: loosening.indices)
    func refused(_ index: Int) {
        let (_, configure, rule) = Self.loosening[index]
        #expect(violation(request(configure))?.rule == rule)
    }

    @Test("user ids must be plain digits: +0 and other spellings are not numbers")
    func userSpelling() {
        for text in ["+0", " 1", "1e3", "0x1", "１"] {
            #expect(throws: PolicyError.self) { try Policy.enforce(request { $0.user = text }, profile: profile, image: image) }
        }
        #expect(UserID(parsing: "+0") == nil)
        #expect(UserID(parsing: "00")?.isRoot == true)
    }

    @Test("the caller's state root and every directory above it are refused as volume sources")
    func protectedStateRoot() throws {
        let state = "/srv/securerun-state"
        for source in ["/srv/securerun-state", "/srv/securerun-state/rootfs", "/srv"] {
            #expect(throws: PolicyError.self) {
                try Policy.enforce(request { $0.volumes = ["\(source):/x"] }, profile: profile, image: image, protectedHostPaths: [state])
            }
        }
        let sibling = try Policy.enforce(request { $0.volumes = ["/srv/data:/x"] }, profile: profile, image: image, protectedHostPaths: [state])
        #expect(sibling.volumes.map(\.source) == ["/srv/data"])
    }

    @Test("the refusal names the flag, the profile and the rule")
    func message() {
        let refused = violation(request { $0.user = "0" })
        #expect(
            refused?.description
                == "--user 0 refused by profile \"unit\": containers run as a non-root uid and gid (the profile's is 65534:65534) [SR001 non-root-user]")
    }

    @Test("tightening applies: lower limits, another non-root user, fewer capabilities, smaller tmpfs")
    func tightening() throws {
        let spec = try Policy.enforce(
            request {
                $0.memory = "64m"
                $0.cpus = "0.25"
                $0.pidsLimit = "10"
                $0.user = "1000:1000"
                $0.capDrop = ["ALL"]
                $0.tmpfs = ["/tmp:size=1m,mode=700"]
                $0.securityOptions = ["no-new-privileges", "seccomp=builtin"]
                $0.readOnly = true
                $0.network = "none"
                $0.volumes = ["/srv:/data"]
            }, profile: profile, image: image)
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
        let spec = try Policy.enforce(
            request {
                $0.capDrop = ["ALL"]; $0.capAdd = ["cap_net_bind_service"]
            }, profile: profile, image: image)
        #expect(spec.capabilities.map(\.name) == ["CAP_NET_BIND_SERVICE"])
    }

    @Test("memory-swap below memory is a bad request, not a violation")
    func swapBelowMemory() {
        #expect(throws: PolicyError.invalidRequest(flag: "--memory-swap 32m", reason: "memory plus swap must be at least --memory (64m)")) {
            try Policy.enforce(
                request {
                    $0.memory = "64m"; $0.memorySwap = "32m"
                }, profile: profile, image: image)
        }
    }

    @Test("the image's root user is replaced by the profile's; a non-root image user is honoured")
    func imageUser() throws {
        let rootImage = ImageDefaults(user: "0:0", cmd: ["/bin/sh"])
        #expect(try Policy.enforce(RunRequest(image: "img"), profile: profile, image: rootImage).user.uid == 65534)
        let appImage = ImageDefaults(user: "1000:1000", cmd: ["/bin/sh"])
        #expect(try Policy.enforce(RunRequest(image: "img"), profile: profile, image: appImage).user.uid == 1000)
    }

    @Test("entrypoint and command follow docker's rules")
    func processArgs() throws {
        let image = ImageDefaults(entrypoint: ["/entry"], cmd: ["--default"], workingDir: "/app")
        #expect(try Policy.enforce(RunRequest(image: "i"), profile: profile, image: image).args == ["/entry", "--default"])
        #expect(try Policy.enforce(request { $0.command = ["x"] }, profile: profile, image: image).args == ["/entry", "x"])
        #expect(try Policy.enforce(request { $0.entrypoint = ["/other"] }, profile: profile, image: image).args == ["/other"])
        #expect(try Policy.enforce(RunRequest(image: "i"), profile: profile, image: image).cwd == "/app")
        #expect(throws: PolicyError.self) { try Policy.enforce(RunRequest(image: "i"), profile: profile, image: ImageDefaults()) }
    }

    @Test("request env overrides the image's and PATH is always set")
    func environment() throws {
        let spec = try Policy.enforce(request { $0.env = ["LANG=en", "NEW=1"] }, profile: profile, image: ImageDefaults(env: ["LANG=C"], cmd: ["x"]))
        #expect(spec.env == [ProcessDefaults.defaultPath, "LANG=en", "NEW=1"])
    }
}
