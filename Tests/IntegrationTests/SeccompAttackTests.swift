import Foundation
import Glibc
import Testing

/// Seccomp attacks against real runc containers.
@Suite("securerun run: compat syscalls and seccomp listeners")
struct SeccompAttackTests {
    @Test("an i386 int 0x80 socketcall cannot reach socket() past the 64-bit address-family rule")
    func compatSocketcallCannotCreateVsockSockets() throws {
        guard let fixture = RunFixture.available() else { return }
        let tools = try TemporaryDirectory("securerun-compat")
        let probe = tools.url.appendingPathComponent("compat-socket")
        let source = CLI.packageRoot.appendingPathComponent("Tests/tools/compat-socket.c").path
        // Static and non-PIE, as the brief for compat probes says; the probe also maps its argument block below 4 GiB.
        let built = try CLI.exec("gcc", ["-static", "-no-pie", "-O1", "-o", probe.path, source])
        try #require(built.status == 0, "gcc failed: \(built.stderr)")
        // On the host, unconfined, the probe does make a socket: the check below is not vacuous.
        let host = try CLI.exec(probe.path, [])
        #expect(host.stdout.contains("i386 socketcall AF_INET: ok"), "\(host)")

        // The probe is on the volume; the shell starts it (the start path looks commands up in the image).
        let result = try fixture.run(["-v", "\(tools.url.path):/t:ro"], ["sh", "-c", "/t/compat-socket"])
        #expect(result.status == 0, "\(result)")
        // The shipped filter lists the native ABI only; libseccomp's bad-architecture action is KILL (runc
        // cannot change it), so the compat call is killed with SIGSYS before any socket exists.
        #expect(
            result.stdout.split(separator: "\n") == [
                "i386 socketcall AF_VSOCK: killed by signal 31", "i386 socketcall AF_INET: killed by signal 31", "x32 socket AF_VSOCK: killed by signal 31",
            ], "\(result)")
    }

    /// A listening unix socket that records whether anyone connected.
    final class Listener {
        let path: String
        let descriptor: Int32

        init(path: String) throws {
            self.path = path
            descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { throw TestFailure("socket: errno \(errno)") }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0, listen(descriptor, 8) == 0 else { throw TestFailure("bind/listen \(path): errno \(errno)") }
        }

        /// Whether a connection is waiting (the socket is non-blocking, so this never waits).
        var wasConnected: Bool {
            let client = accept(descriptor, nil, nil)
            if client >= 0 { close(client) }
            return client >= 0
        }

        deinit {
            close(descriptor)
            unlink(path)
        }
    }

    /// The shipped default seccomp profile with `extra` merged in, written to `name`.
    func shippedProfile(adding extra: [String: Any], rule: [String: Any]?, name: String, in directory: URL) throws -> String {
        let shipped = CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: shipped)) as? [String: Any])
        object.merge(extra) { $1 }
        if let rule {
            object["syscalls"] = (object["syscalls"] as? [Any] ?? []) + [rule]
        }
        let file = directory.appendingPathComponent(name)
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        return file.path
    }

    @Test("a caller's listenerPath is refused, so runc never connects as root to the caller's socket with the notify fd")
    func callerListenerNeverGetsTheNotifyFd() throws {
        guard let fixture = RunFixture.available() else { return }
        let temp = try TemporaryDirectory("securerun-listener")
        let listener = try Listener(path: temp.url.appendingPathComponent("agent.sock").path)
        let profile = try shippedProfile(
            adding: ["listenerPath": listener.path, "listenerMetadata": "from-the-caller"],
            rule: ["names": ["mount"], "action": "SCMP_ACT_NOTIFY"], name: "notify.json", in: temp.url)
        let result = try fixture.run(["--security-opt", "seccomp=\(profile)"], ["/probe", "syscalls"])
        #expect(result.status == 125, "\(result)")
        #expect(
            result.stderr.hasPrefix(
                "securerun: invalid --security-opt seccomp=\(profile): invalid seccomp profile \(profile): listenerPath: \"\(listener.path)\" is refused"),
            "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stdout.isEmpty)
        #expect(!listener.wasConnected, "runc connected to the caller's listener")
    }

    @Test("a caller's SCMP_ACT_NOTIFY or SCMP_ACT_TRACE rule is refused before anything starts", arguments: ["SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE"])
    func callerDelegatingRuleIsRefused(_ action: String) throws {
        guard let fixture = RunFixture.available() else { return }
        let temp = try TemporaryDirectory("securerun-delegate")
        let profile = try shippedProfile(adding: [:], rule: ["names": ["mount"], "action": action], name: "delegate.json", in: temp.url)
        let result = try fixture.run(["--security-opt", "seccomp=\(profile)"], ["/probe", "syscalls"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stderr.contains("syscalls[") && result.stderr.contains(".action: \(action) is refused"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("a profile's own seccomp file may not delegate either")
    func profileSeccompWithNotifyIsRefused() throws {
        guard let fixture = RunFixture.available() else { return }
        let temp = try TemporaryDirectory("securerun-profile-notify")
        let seccomp = try shippedProfile(adding: [:], rule: ["names": ["mount"], "action": "SCMP_ACT_NOTIFY"], name: "notify.json", in: temp.url)
        let profile = try RunFixture.writeProfile(in: temp.url, name: "notifying", extra: "")
        let text = try String(contentsOfFile: profile, encoding: .utf8).replacingOccurrences(
            of: "seccomp: \(CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json").path)", with: "seccomp: \(seccomp)")
        try text.write(toFile: profile, atomically: true, encoding: .utf8)
        let result = try fixture.cli.run(["run", "--profile", profile, fixture.image, "true"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stderr.hasPrefix("securerun: \(profile): field seccomp: invalid seccomp profile \(seccomp): syscalls["), "\(result.stderr)")
        #expect(result.stderr.contains("SCMP_ACT_NOTIFY is refused"))
    }
}
