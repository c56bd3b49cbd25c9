import Capabilities
import Foundation
import Testing

@testable import Policy

@Suite("Profile loading and validation")
struct ProfileLoadingTests {
    @Test("the shipped default profile states the floor")
    func defaultProfile() throws {
        let profile = try ProfileFixtures.shipped("default")
        #expect(profile.name == "default")
        #expect(profile.user == UserID(uid: 65534, gid: 65534))
        #expect(profile.capabilities.isEmpty)
        #expect(profile.readOnlyRootfs && profile.noNewPrivileges)
        #expect(profile.memory == ByteSize(bytes: 512 << 20))
        #expect(profile.memorySwap == profile.memory)
        #expect(profile.pidsLimit == 256)
        #expect(profile.tmpfs == [TmpfsMount(path: "/tmp", size: ByteSize(bytes: 64 << 20))])
        #expect(profile.network.mode == .none)
        #expect(profile.seccomp.defaultAction.rawValue == "SCMP_ACT_ERRNO")
        #expect(profile.maskedPaths.contains("/proc/kcore"))
        #expect(profile.readonlyPaths.contains("/proc/sysrq-trigger"))
        #expect(!profile.admission.allowUnattested)
    }

    @Test("production is stricter than default on every limit")
    func productionStricter() throws {
        let production = try ProfileFixtures.shipped("production")
        let standard = try ProfileFixtures.shipped("default")
        #expect(production.memory < standard.memory)
        #expect(production.cpus < standard.cpus)
        #expect(production.pidsLimit < standard.pidsLimit)
        #expect(production.tmpfs[0].size < standard.tmpfs[0].size)
        #expect(production.admission.blockAt < standard.admission.blockAt)
        #expect(production.admission.maxScanAge == "7d")
    }

    // Attack: CAP_SYS_ADMIN permits mount(2) and with it most known container escapes.
    @Test("no shipped profile allows CAP_SYS_ADMIN or any capability")
    func noCapabilitiesShipped() throws {
        for name in ["default", "production"] {
            #expect(try ProfileFixtures.shipped(name).capabilities.isEmpty)
        }
    }

    @Test("profiles are found by name in a search directory")
    func byName() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let seccomp = ProfileFixtures.profilesDirectory.appendingPathComponent("seccomp/default.json").path
        try "seccomp: \(seccomp)\nresources:\n  pidsLimit: 42\n".write(to: dir.appendingPathComponent("mine.yaml"), atomically: true, encoding: .utf8)
        setenv("SECURERUN_PROFILES_DIR", dir.path, 1)
        defer { unsetenv("SECURERUN_PROFILES_DIR") }
        let profile = try ProfileLoader.load("mine")
        #expect(profile.name == "mine")
        #expect(profile.pidsLimit == 42)
    }

    static let invalid: [(text: String, field: String, reason: String)] = [
        ("user: \"0\"\n", "user", "is root"),
        ("user: \"1000:0\"\n", "user", "is root"),
        ("user: nobody\n", "user", "is not uid[:gid]"),
        ("readOnlyRootfs: false\n", "readOnlyRootfs", "must be true"),
        ("noNewPrivileges: false\n", "noNewPrivileges", "must be true"),
        ("seccomp: unconfined\n", "seccomp", "disables seccomp"),
        ("capabilities: [SYS_NOPE]\n", "capabilities[0]", "unknown capability"),
        ("resources:\n  memory: lots\n", "resources.memory", "is not a size"),
        ("resources:\n  memory: 64m\n  memorySwap: 32m\n", "resources.memorySwap", "below resources.memory"),
        ("resources:\n  pidsLimit: 0\n", "resources.pidsLimit", "positive"),
        ("resources:\n  cpus: 0\n", "resources.cpus", "above 0"),
        ("tmpfs:\n  - path: tmp\n", "tmpfs[0].path", "absolute path"),
        ("tmpfs:\n  - path: /tmp\n    mode: rwx\n", "tmpfs[0].mode", "octal"),
        ("network: host\n", "network", "not a network mode"),
        ("maskedPaths: [proc/kcore]\n", "maskedPaths[0]", "absolute path"),
        ("resources:\n  pidsLimit: many\n", "resources.pidsLimit", "expected a whole number"),
        ("store:\n  maxUnpackedSize: huge\n", "store.maxUnpackedSize", "is not a size"),
        ("store:\n  maxFiles: 0\n", "store.maxFiles", "positive"),
        ("store:\n  maxExpansionRatio: 0\n", "store.maxExpansionRatio", "1 or more"),
        ("store:\n  expansionAllowance: -1m\n", "store.expansionAllowance", "is not a size"),
    ]

    @Test("invalid fields are named with the reason", arguments: invalid.indices)
    func invalidField(_ index: Int) {
        let (text, field, reason) = Self.invalid[index]
        #expect {
            try ProfileFixtures.parse(text)
        } throws: { error in
            guard case .invalidField(let path, let named, let why) = error as? PolicyError else { return false }
            return path == ProfileFixtures.unitPath && named == field && why.contains(reason)
        }
    }

    @Test(
        "unknown keys are errors at every level",
        arguments: ["readonlyRootfs: true\n", "resources:\n  memroy: 1g\n", "tmpfs:\n  - path: /tmp\n    sise: 1m\n", "store:\n  maxFile: 1\n"])
    func unknownKeys(_ text: String) {
        #expect {
            try ProfileFixtures.parse(text)
        } throws: { error in
            guard case .unknownField(_, let field) = error as? PolicyError else { return false }
            return ["readonlyRootfs", "resources.memroy", "tmpfs[0].sise", "store.maxFile"].contains(field)
        }
    }

    // Attack: keepSetuid let a profile put setuid-root binaries into the host's store, runnable by any local user.
    @Test("a profile that still sets keepSetuid is refused with why it was removed", arguments: ["keepSetuid: true\n", "keepSetuid: false\n"])
    func keepSetuidIsGone(_ text: String) {
        #expect {
            try ProfileFixtures.parse(text)
        } throws: { error in
            guard let error = error as? PolicyError, case .invalidField(_, "keepSetuid", let reason) = error else { return false }
            return error.description.hasPrefix("\(ProfileFixtures.unitPath): field keepSetuid: was removed: setuid and setgid bits are now always stripped")
                && reason.contains("local root hole") && reason.hasSuffix("delete the line")
        }
    }

    @Test("store limits default to the store's own and a profile can set each")
    func storeLimits() throws {
        let standard = try ProfileFixtures.shipped("default").unpackLimits
        #expect(standard.maxImageBytes == 16 << 30 && standard.maxEntries == 500_000)
        #expect(standard.maxExpansionRatio == 100 && standard.expansionAllowance == 128 << 20)
        let profile = try ProfileFixtures.parse(
            "store:\n  maxUnpackedSize: 64g\n  maxFiles: 2000000\n  maxExpansionRatio: 300\n  expansionAllowance: 1g\n")
        #expect(profile.unpackLimits.maxImageBytes == 64 << 30)
        #expect(profile.unpackLimits.maxEntries == 2_000_000)
        #expect(profile.unpackLimits.maxExpansionRatio == 300)
        #expect(profile.unpackLimits.expansionAllowance == 1 << 30)
    }

    @Test("masked and read-only paths can be added to docker's, never removed")
    func pathsOnlyGrow() throws {
        let profile = try ProfileFixtures.parse("maskedPaths: [/proc/cpuinfo]\nreadonlyPaths: []\n")
        #expect(profile.maskedPaths.contains("/proc/cpuinfo"))
        #expect(profile.maskedPaths.contains("/proc/kcore"))
        #expect(profile.readonlyPaths.contains("/proc/sys"))
    }

    @Test("the error message names the file and field")
    func message() {
        let error = PolicyError.invalidField(path: "/p.yaml", field: "resources.memory", reason: "\"x\" is not a size such as 512m or 1g")
        #expect(error.description == "/p.yaml: field resources.memory: \"x\" is not a size such as 512m or 1g")
    }

    @Test(
        "sizes parse in docker's notation",
        arguments: [
            ("512m", Int64(512 << 20)), ("1g", Int64(1 << 30)), ("64k", Int64(64 << 10)), ("100", Int64(100)), ("2GB", Int64(2 << 30)), ("8mb", Int64(8 << 20)),
        ])
    func sizes(_ text: String, _ bytes: Int64) {
        #expect(ByteSize(parsing: text)?.bytes == bytes)
    }

    @Test("nonsense sizes are rejected", arguments: ["", "m", "-1m", "512Mi", "12q", "99999999999999999999"])
    func badSizes(_ text: String) {
        #expect(ByteSize(parsing: text) == nil)
    }
}
