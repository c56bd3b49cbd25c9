import Foundation
import TestSupport
import Testing

/// The webhook takes a new certificate and a new profile without a restart (their files are watched), and
/// keeps the ones in use when the new files do not load.
@Suite("admission webhook reload", .serialized)
struct AdmissionWebhookReloadTests {
    @Test("a renewed certificate and a tightened profile apply without a restart; a bad key keeps the old certificate")
    func reload() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let directory = fixture.directory.appendingPathComponent("reload-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("tls.crt").path
        let key = directory.appendingPathComponent("tls.key").path
        try WebhookFixture.makeCertificate(certificate: certificate, key: key)
        let first = try String(contentsOfFile: certificate, encoding: .utf8)
        let firstCopy = directory.appendingPathComponent("first.crt").path
        try first.write(toFile: firstCopy, atomically: true, encoding: .utf8)
        let profile = directory.appendingPathComponent("webhook-it.yaml")
        let profileText = try String(contentsOfFile: fixture.profile, encoding: .utf8)
        try profileText.write(to: profile, atomically: true, encoding: .utf8)

        let log = directory.appendingPathComponent("webhook.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        // A port below the kernel's ephemeral range (32768 up), where no outgoing connection takes it; should
        // something hold it anyway, the start says so and another is tried.
        var started: (process: Process, port: Int)?
        for _ in 0..<5 where started == nil {
            let port = Int.random(in: 20000..<30000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: WebhookFixture.netBinary)
            process.arguments = [
                "admission", "serve", "--profile", profile.path, "--tls-cert", certificate, "--tls-key", key, "--listen", "127.0.0.1:\(port)",
            ]
            process.environment = ["SECURERUN_ROOT": fixture.cli.root.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            let handle = try FileHandle(forWritingTo: log)
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            Wait.until(interval: 0.05) { !process.isRunning || ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("serving") }
            if process.isRunning { started = (process, port) } else { process.waitUntilExit() }
        }
        let (process, port) = try #require(started, "the webhook did not start on any of 5 ports: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        func logText() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        func post(trusting: String) throws -> WebhookFixture.Response? {
            let file = directory.appendingPathComponent("review.json")
            try fixture.review(fixture.pod(image: fixture.attested)).write(to: file)
            return try? fixture.curl(
                ["-X", "POST", "--data-binary", "@\(file.path)", "https://127.0.0.1:\(port)/validate"], trusting: trusting)
        }
        #expect(Wait.until(interval: 0.1) { (try? post(trusting: certificate))?.allowed == true }, "\(logText())")

        // A renewed certificate: new connections get it.
        try WebhookFixture.makeCertificate(certificate: certificate, key: key)
        #expect(Wait.until(interval: 0.2) { (try? post(trusting: certificate))?.allowed == true && logText().contains("certificate reloaded") }, "\(logText())")
        #expect((try post(trusting: firstCopy)) == nil, "the old certificate is still served")

        // A key that does not load: logged, and the certificate in use stays.
        try "not a key\n".write(toFile: key, atomically: true, encoding: .utf8)
        #expect(Wait.until(interval: 0.2) { logText().contains("certificate reload failed") }, "\(logText())")
        #expect(try post(trusting: certificate)?.allowed == true)

        // A tightened profile: the same pod (256Mi) is now over its memory.
        try profileText.replacingOccurrences(of: "memory: 512m, memorySwap: 512m", with: "memory: 128m, memorySwap: 128m")
            .write(to: profile, atomically: true, encoding: .utf8)
        #expect(Wait.until(interval: 0.2) { logText().contains("profile reloaded") }, "\(logText())")
        let tightened = try #require(try post(trusting: certificate))
        #expect(tightened.allowed == false)
        #expect(tightened.message.contains("[SR006 "), "\(tightened.message)")

        // A profile that does not load: logged, and the tightened one stays.
        try "name: [broken\n".write(to: profile, atomically: true, encoding: .utf8)
        #expect(Wait.until(interval: 0.2) { logText().contains("profile reload failed") }, "\(logText())")
        #expect(try post(trusting: certificate)?.message.contains("[SR006 ") == true)
        #expect(process.isRunning)
    }

    @Test("a key that is not the certificate's, or a missing file, is refused at start with one line naming the flag")
    func badFilesAtStart() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let directory = fixture.directory.appendingPathComponent("start-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let other = directory.appendingPathComponent("other.key").path
        try WebhookFixture.makeCertificate(certificate: directory.appendingPathComponent("other.crt").path, key: other)
        let serve = ["admission", "serve", "--profile", fixture.profile, "--listen", "127.0.0.1:1"]
        let mismatched = try fixture.cli.run(serve + ["--tls-cert", fixture.certificate, "--tls-key", other], timeout: 20)
        #expect(mismatched.status == 125)
        #expect(mismatched.stderr.contains("--tls-key \(other) does not go with --tls-cert"), "\(mismatched)")
        let missing = try fixture.cli.run(serve + ["--tls-cert", "/nonexistent/tls.crt", "--tls-key", other], timeout: 20)
        #expect(missing.status == 125)
        #expect(missing.stderr.contains("--tls-cert /nonexistent/tls.crt: no such file"), "\(missing)")
    }
}
