import Foundation
import Testing

@testable import Capabilities

@Suite("Capability names through libcap")
struct CapabilityTests {
    @Test("names parse as docker does: any case, CAP_ prefix optional", arguments: ["SYS_ADMIN", "sys_admin", "CAP_SYS_ADMIN", "cap_sys_admin", " Sys_Admin "])
    func parsesDockerSpellings(_ text: String) throws {
        let capability = try Capability(parsing: text)
        #expect(capability.name == "CAP_SYS_ADMIN")
        #expect(capability.number == 21)
    }

    @Test("unknown names are refused with the name in the message", arguments: ["", "SYS_NOPE", "CAP_", "ALL", "21"])
    func unknownNames(_ text: String) {
        #expect(throws: CapabilityError.unknown(name: text)) { try Capability(parsing: text) }
    }

    @Test("the message says what to do")
    func message() {
        #expect(
            CapabilityError.unknown(name: "CAP_MAKE_COFFEE").description
                == "unknown capability \"CAP_MAKE_COFFEE\" (libcap does not know it; use a name such as NET_BIND_SERVICE or CAP_CHOWN)")
    }

    @Test("every capability the kernel knows has a canonical upper-case name that parses back")
    func roundTrip() throws {
        let all = Capability.all
        #expect(all.count == Int(Capability.lastNumber) + 1)
        #expect(all.count >= 38, "CAP_CHECKPOINT_RESTORE (40) exists on kernels since 5.9")
        for capability in all {
            #expect(capability.name.hasPrefix("CAP_") && capability.name == capability.name.uppercased())
            #expect(try Capability(parsing: capability.name) == capability)
        }
    }

    @Test("ALL in a docker list means every capability")
    func allInLists() throws {
        #expect(try Capability.parseList(["ALL"]) == Set(Capability.all))
        #expect(try Capability.parseList(["chown", "CAP_NET_RAW"]).map(\.name).sorted() == ["CAP_CHOWN", "CAP_NET_RAW"])
        #expect(throws: CapabilityError.self) { try Capability.parseList(["chown", "bogus"]) }
    }

    @Test("capabilities encode as their canonical names and decode from docker spellings")
    func codable() throws {
        let data = try JSONEncoder().encode([try Capability(parsing: "net_bind_service")])
        #expect(String(decoding: data, as: UTF8.self) == #"["CAP_NET_BIND_SERVICE"]"#)
        let decoded = try JSONDecoder().decode([Capability].self, from: Data(#"["kill"]"#.utf8))
        #expect(decoded.first?.name == "CAP_KILL")
    }
}
