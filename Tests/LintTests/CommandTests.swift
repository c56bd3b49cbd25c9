import Foundation
import TestSupport
import Testing

@testable import Lint

/// `securerun lint` and `securerun seccomp diff` as a user runs them: output and exit status.
@Suite("Lint: the commands")
struct CommandTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func binary() -> String? {
        let environment = ProcessInfo.processInfo.environment
        guard let path = environment["SECURERUN_BIN"], FileManager.default.isExecutableFile(atPath: path) else {
            TestRun.skip("SECURERUN_BIN is not set to a built securerun")
            return nil
        }
        return path
    }

    /// Runs the built binary; a run still going after `timeout` seconds is killed and recorded as an issue
    /// (what lint must never do is wait).
    static func run(_ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 120) throws -> Outcome? {
        guard let binary = binary() else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        if process.terminationReason == .uncaughtSignal {
            Issue.record("securerun \(arguments.joined(separator: " ")) was killed after \(Int(timeout)) s (or by a signal)")
        }
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test("exit 0 clean, 1 with errors, --fail-on warning, 2 for unreadable input")
    func exitStatus() throws {
        let rules = try LintFixtures.directory("rules")
        guard let clean = try Self.run(["lint", rules.appendingPathComponent("SR101.good.json").path]) else { return }
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        let bad = try #require(try Self.run(["lint", rules.appendingPathComponent("SR009.bad.sh").path]))
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("SR009.bad.sh:4:3: error SR009 --privileged: privileged containers get every capability"), "\(bad.stdout)")
        let warning = try #require(try Self.run(["lint", "--fail-on", "warning", rules.appendingPathComponent("SR206.bad.yaml").path]))
        #expect(warning.status == 1)
        let lenient = try #require(try Self.run(["lint", rules.appendingPathComponent("SR206.bad.yaml").path]))
        #expect(lenient.status == 0)
        let missing = try #require(try Self.run(["lint", "/nonexistent/profile.yaml"]))
        #expect(missing.status == 2)
        #expect(missing.stdout.contains("/nonexistent/profile.yaml: error: cannot read"))
    }

    @Test("standard input, --kind, json and sarif output")
    func formats() throws {
        guard let piped = try Self.run(["lint", "--kind", "docker-run", "--format", "json", "-"], stdin: "docker run --pid=host busybox\n") else { return }
        #expect(piped.status == 1)
        let report = try JSONSerialization.jsonObject(with: Data(piped.stdout.utf8)) as? [String: Any]
        let findings = try #require(report?["findings"] as? [[String: Any]])
        #expect(findings.first?["rule"] as? String == "SR015")
        #expect(findings.first?["file"] as? String == "-")
        let sarif = try #require(try Self.run(["lint", "--format", "sarif", "-"], stdin: "docker run -u root busybox\n"))
        #expect(sarif.stdout.contains("\"version\" : \"2.1.0\"") || sarif.stdout.contains("\"version\":\"2.1.0\""))
        #expect(sarif.stdout.contains("SR001"))
    }

    @Test("--list-rules and --explain")
    func catalogue() throws {
        guard let list = try Self.run(["lint", "--list-rules"]) else { return }
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count == Catalogue.all.count)
        let explain = try #require(try Self.run(["lint", "--explain", "sr104"]))
        #expect(explain.stdout.hasPrefix("SR104 seccomp-compat-abi-bypass (error;"))
        #expect(explain.stdout.contains("Fix:"))
        let unknown = try #require(try Self.run(["lint", "--explain", "SR999"]))
        #expect(unknown.status == 2)
    }

    @Test("seccomp diff lists what B permits that A does not")
    func seccompDiff() throws {
        let shipped = LintFixtures.repository().appendingPathComponent("profiles/seccomp/default.json").path
        let podman = try LintFixtures.directory("reference/podman-containers-common-default.json").path
        guard let same = try Self.run(["seccomp", "diff", shipped, shipped]) else { return }
        #expect(same.status == 0)
        #expect(same.stdout.isEmpty)
        let looser = try #require(try Self.run(["seccomp", "diff", shipped, podman]))
        #expect(looser.status == 1)
        #expect(looser.stdout.contains("covers architecture SCMP_ARCH_X86, whose syscalls the baseline kills"), "\(looser.stdout)")
        #expect(looser.stdout.contains("permits mount (SCMP_ACT_ALLOW); the baseline denies it (SCMP_ACT_ERRNO)"))
        #expect(looser.stdout.contains("permits socketcall"))
        // A profile naming syscalls this libseccomp does not know cannot be compared: exit 2, and the reason.
        let moby = try LintFixtures.directory("reference/moby-default.json").path
        let unknown = try #require(try Self.run(["seccomp", "diff", shipped, moby]))
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown syscall"))
        let broken = try #require(try Self.run(["seccomp", "diff", shipped, "/nonexistent.json"]))
        #expect(broken.status == 2)
    }
}
