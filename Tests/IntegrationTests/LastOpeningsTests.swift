import Foundation
import Testing

/// Issue 21: the last two openings a probe found in securerun's default and production profiles: code
/// run from a memfd (past the read-only root and the noexec tmpfs) and an audit netlink socket.
@Suite("attacks: memfd code and the audit socket stay shut under default and production", .serialized)
struct LastOpeningsTests {
    /// The shipped production profile as it is, except that the test image needs no attestation.
    static func production(in directory: URL) throws -> String {
        let shipped = try String(contentsOf: CLI.packageRoot.appendingPathComponent("profiles/production.yaml"), encoding: .utf8)
        let seccomp = CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json").path
        let head = shipped.components(separatedBy: "\nadmission:")[0].replacingOccurrences(of: "seccomp: seccomp/default.json", with: "seccomp: \(seccomp)")
        let file = directory.appendingPathComponent("production.yaml")
        try (head + "\nadmission:\n  allowUnattested: true\n").write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test("attack: memfd_create + execveat runs no code under default or production (vm.memfd_noexec=2 in the container's pid namespace)")
    func memfdCodeDoesNotRun() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        for profile in [fixture.profile, try Self.production(in: isolated.temp.url)] {
            let result = try isolated.run([], ["/probe", "memfd-exec"], profile: profile)
            #expect(result.status == 0 && result.stdout == "memfd-exec: EACCES\n", "\(profile): \(result)")
        }
        // The probe does run memfd code where a profile allows it: the refusal above is the setting's.
        let allowing = try RunFixture.writeProfile(in: isolated.temp.url, name: "memfd-allowed", extra: "allowMemfdExec: true")
        let allowed = try isolated.run([], ["/probe", "memfd-exec"], profile: allowing)
        #expect(allowed.stdout == "memfd-exec: the memfd's code ran\n", "\(allowed)")
        #expect(try String(contentsOfFile: "/proc/sys/vm/memfd_noexec", encoding: .utf8) == "0\n", "the host's own setting is untouched")
    }

    @Test("attack: an audit netlink socket does not open under default or production; a routing one (ip, iproute2 libraries) still does")
    func auditSocketStaysShut() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        for profile in [fixture.profile, try Self.production(in: isolated.temp.url)] {
            let result = try isolated.run([], ["/probe", "audit-socket"], profile: profile)
            #expect(result.stdout == "audit-socket: EPERM\nroute-socket: ok\n", "\(profile): \(result)")
        }
    }
}
