import Foundation
import Testing

@testable import Lint

/// Lint runs in CI on files a pull request controls. Nothing it is given, or that a file it reads names,
/// may make it wait: each of these is one line naming the file, exit 2 (or a finding, exit 1), never a hang.
/// Every run is killed after a bound and recorded as a failure if it gets there.
@Suite("Lint: hostile inputs end with one line, never a hang")
struct HostileInputTests {
    /// A directory of its own, removed afterwards.
    final class Scratch {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-lint-hostile-\(getpid())-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    static let profile = LintFixtures.repository().appendingPathComponent("profiles/default.yaml").path

    /// `securerun lint --profile default.yaml PATH…`, killed after 60 s.
    static func lint(_ paths: [String], stdin: String? = nil) throws -> CommandTests.Outcome? {
        try CommandTests.run(["lint", "--profile", profile] + paths, stdin: stdin, timeout: 60)
    }

    /// The one line lint printed about `path`.
    static func refusal(_ outcome: CommandTests.Outcome, _ path: String) -> String {
        outcome.stdout.split(separator: "\n").first { $0.hasPrefix("\(path): error: cannot read") }.map(String.init) ?? outcome.stdout
    }

    @Test("securerun lint /proc/kmsg is refused as a kernel file (it hung for ever: a procfs file that reads EAGAIN)")
    func procKmsg() throws {
        guard let outcome = try Self.lint(["/proc/kmsg"]) else { return }
        #expect(outcome.status == 2, "\(outcome.stdout)\(outcome.stderr)")
        #expect(Self.refusal(outcome, "/proc/kmsg").contains("it is on a kernel filesystem (/proc, /sys and the like)"), "\(outcome.stdout)")
        #expect(outcome.stdout.split(separator: "\n").count == 1)
    }

    @Test("a /proc or /sys file whose size says 0 is refused, not read")
    func kernelFiles() throws {
        guard let outcome = try Self.lint(["/proc/self/status", "/sys/devices/system/cpu/online", "/proc"]) else { return }
        #expect(outcome.status == 2)
        for path in ["/proc/self/status", "/sys/devices/system/cpu/online", "/proc"] {
            #expect(Self.refusal(outcome, path).contains("kernel filesystem"), "\(path): \(outcome.stdout)")
        }
    }

    @Test("a FIFO with no writer is refused without being opened")
    func fifo() throws {
        let scratch = try Scratch()
        let fifo = scratch.path("deploy.sh")
        #expect(mkfifo(fifo, 0o600) == 0)
        guard let outcome = try Self.lint([fifo]) else { return }
        #expect(outcome.status == 2)
        #expect(Self.refusal(outcome, fifo) == "\(fifo): error: cannot read \(fifo): it is a FIFO, not a regular file; lint reads regular files only")
    }

    @Test("/dev/zero is refused as a character device, never read")
    func devZero() throws {
        guard let named = try Self.lint(["/dev/zero"]) else { return }
        #expect(named.status == 2)
        #expect(Self.refusal(named, "/dev/zero").hasSuffix("it is a character device, not a regular file; lint reads regular files only"))
    }

    @Test("a symlink loop, and a symlink to a secret, are refused naming the link")
    func symlinks() throws {
        let scratch = try Scratch()
        let loop = scratch.path("loop.sh")
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        let secret = scratch.path("config.yaml")
        try FileManager.default.createSymbolicLink(atPath: secret, withDestinationPath: "/etc/shadow")
        guard let outcome = try Self.lint([loop, secret]) else { return }
        #expect(outcome.status == 2)
        #expect(Self.refusal(outcome, loop).contains("it is a symbolic link to \(loop); lint follows no link it is given"), "\(outcome.stdout)")
        #expect(Self.refusal(outcome, secret).contains("it is a symbolic link to /etc/shadow"), "\(outcome.stdout)")
        // In a directory, links are skipped as before.
        guard let walked = try Self.lint([scratch.url.path]) else { return }
        #expect(walked.status == 0, "\(walked.stdout)\(walked.stderr)")
    }

    @Test("a file over 8 MiB is refused with the limit named")
    func oversized() throws {
        let scratch = try Scratch()
        let big = scratch.path("big.sh")
        try Data(repeating: 0x0A, count: Linter.maxBytes + 1).write(to: URL(fileURLWithPath: big))
        guard let outcome = try Self.lint([big]) else { return }
        #expect(outcome.status == 2)
        #expect(Self.refusal(outcome, big).hasSuffix("it is \(Linter.maxBytes + 1) bytes, over the 8 MiB lint reads of one file; split it"))
        let piped = try #require(try Self.lint(["-"], stdin: String(repeating: "#", count: Linter.maxBytes + 1)))
        #expect(piped.status == 2)
        #expect(piped.stdout.contains("-: error: cannot read standard input: it is over the 8 MiB lint reads of one file"), "\(piped.stdout)")
    }

    @Test("a line naming a FIFO or /proc/kmsg as its --profile is a finding, not a hang")
    func namedProfile() throws {
        let scratch = try Scratch()
        let fifo = scratch.path("profile.yaml")
        #expect(mkfifo(fifo, 0o600) == 0)
        let file = scratch.path("deploy.sh")
        try "securerun run --profile \(fifo) busybox\nsecurerun run --profile /proc/kmsg busybox\n".write(toFile: file, atomically: true, encoding: .utf8)
        guard let outcome = try Self.lint([file]) else { return }
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("\(file):1:15: error SR400 cannot read profile \(fifo): \(fifo) is a FIFO, not a regular file"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("\(file):2:15: error SR400 cannot read profile /proc/kmsg: /proc/kmsg is on a kernel filesystem"), "\(outcome.stdout)")
    }

    @Test("a profile naming a FIFO as its seccomp file is a finding, not a hang")
    func namedSeccomp() throws {
        let scratch = try Scratch()
        let fifo = scratch.path("seccomp.json")
        #expect(mkfifo(fifo, 0o600) == 0)
        let profile = scratch.path("p.yaml")
        try "name: p\nseccomp: seccomp.json\n".write(toFile: profile, atomically: true, encoding: .utf8)
        let line = scratch.path("run.sh")
        try "securerun run --profile \(profile) busybox\n".write(toFile: line, atomically: true, encoding: .utf8)
        guard let outcome = try Self.lint([profile, line]) else { return }
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("\(profile):2:1: error SR200 seccomp: \(fifo) is a FIFO, not a regular file"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("\(line):1:15: error SR400 cannot read profile \(profile): \(fifo) is a FIFO"), "\(outcome.stdout)")
    }
}
