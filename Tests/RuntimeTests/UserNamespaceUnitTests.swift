import Foundation
import HostSystem
import Testing

@testable import Policy
@testable import Runtime

@Suite("user namespaces without root: the subordinate range, the spec's maps")
struct UserNamespaceUnitTests {
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("securerun's range overlaps no other owner's subuid line and no account id (a container id must be nobody's)")
    func rangeAvoidsOtherOwnersAndAccounts() throws {
        let taken = SubordinateIds.entries("podman:100000:65536\nkubelet:1048576:7208960\n# comment\nbad line\n")
        #expect(taken.count == 2)
        let range = try #require(SubordinateIds.choose(count: 65536 * 4, taken: taken, accounts: [0, 65534, 8_388_700]))
        #expect(range.start % 65536 == 0 && range.count == 65536 * 4)
        #expect(UInt64(range.start) >= 1_048_576 + 7_208_960, "\(range)")
        #expect(!range.contains(8_388_700), "\(range)")
        #expect(taken.allSatisfy { !$0.overlaps(UInt64(range.start), UInt64(range.count)) })
    }

    @Test("a securerun line that overlaps another owner's range is refused, not used")
    func overlappingLineRefused() {
        let others = SubordinateIds.entries("podman:1048576:65536\n")
        let own = SubordinateIds.Entry(name: "securerun", start: 1_048_576, count: 65536 * 16)
        #expect(SubordinateIds.problem(own, others: others, accounts: [], file: "/etc/subuid")?.contains("overlaps podman") == true)
        let unaligned = SubordinateIds.Entry(name: "securerun", start: 1_048_577, count: 65536)
        #expect(SubordinateIds.problem(unaligned, others: [], accounts: [], file: "/etc/subuid") != nil)
    }

    @Test("with an id block the spec has a user and a cgroup namespace and maps 0..65535 onto the block only")
    func specMapsTheBlock() throws {
        let profile = try ProfileLoader.parse("userNamespace: required\n", file: packageRoot.appendingPathComponent("profiles/unit.yaml"))
        #expect(profile.userNamespace == .required)
        let hardened = try Policy.enforce(try Requests.parse([]), profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]))
        let mapping = IdMapping(containerID: 0, hostID: 1_114_112, size: 65536)
        let spec = SpecBuilder.spec(for: hardened, rootfs: URL(fileURLWithPath: "/r"), cgroupsPath: "/securerun/c", idMapping: mapping)
        #expect(spec.linux.uidMappings == [mapping] && spec.linux.gidMappings == [mapping])
        #expect(spec.linux.namespaces.map(\.type).contains("user") && spec.linux.namespaces.map(\.type).contains("cgroup"))
        #expect(spec.process.user.uid == 65534, "the uid inside stays the profile's")
        let plain = SpecBuilder.spec(for: hardened, rootfs: URL(fileURLWithPath: "/r"), cgroupsPath: "/securerun/c")
        #expect(plain.linux.uidMappings == nil && !plain.linux.namespaces.map(\.type).contains("user"))
    }

    @Test("a profile's userNamespace must be required, preferred or off")
    func badModeRefused() {
        #expect(throws: PolicyError.self) {
            try ProfileLoader.parse("userNamespace: maybe\n", file: packageRoot.appendingPathComponent("profiles/unit.yaml"))
        }
    }
}
