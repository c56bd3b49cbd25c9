import Foundation
import Testing

/// runc hands the container's stdio to the container user (it fchowns every stdio descriptor that is not
/// /dev/null to the process's uid). A host file given as stdin with `-i` (`securerun run -i IMAGE cmd <
/// FILE`) is passed to the runtime as it is, so its inode becomes the container user's, and the container
/// can reopen it for writing through /proc/self/fd/0 and rewrite a host file only root could write.
@Suite("a host file given as stdin stays root's")
struct StdinFileAttackTests {
    /// A root-only file with known content, in a directory of its own.
    struct Victim {
        let temp: TemporaryDirectory
        var file: URL { temp.url.appendingPathComponent("secret.txt") }

        init() throws {
            temp = try TemporaryDirectory("securerun-stdin")
            try "original\n".write(to: file, atomically: true, encoding: .utf8)
            chmod(file.path, 0o600)
            chown(file.path, 0, 0)
        }

        /// Its owner uid, mode and content now.
        func state() throws -> (uid: uid_t, mode: mode_t, content: String) {
            var info = stat()
            guard stat(file.path, &info) == 0 else { throw TestFailure("stat \(file.path) failed") }
            return (info.st_uid, info.st_mode & 0o7777, try String(contentsOf: file, encoding: .utf8))
        }
    }

    /// `securerun ARGS < FILE` through a shell, so stdin is the file itself (not a pipe).
    static func withStdinFrom(_ file: URL, _ cli: CLI, _ arguments: [String]) throws -> CLIResult {
        let quoted = ([CLI.binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try CLI.exec("/bin/sh", ["-c", "exec \(quoted) < '\(file.path)'"], environment: ["SECURERUN_ROOT": cli.root.path])
    }

    static let rewrite = ["sh", "-c", "cat; echo pwned > /proc/self/fd/0; echo wrote=$?"]

    @Test("run -i < FILE: the container reads the file but never owns it, so it cannot rewrite it through /proc/self/fd/0")
    func runInteractiveCannotTakeOverAStdinFile() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try RunMountTests.Isolated(fixture)
        let victim = try Victim()
        let result = try Self.withStdinFrom(victim.file, root.cli, ["run", "-i", "--profile", fixture.profile, root.image] + Self.rewrite)
        #expect(result.stdout.hasPrefix("original\n"), "the container still gets the file's content on stdin: \(result)")
        let after = try victim.state()
        #expect(after.uid == 0, "the host file now belongs to uid \(after.uid): \(result)")
        #expect(after.mode == 0o600)
        #expect(after.content == "original\n", "the container rewrote the host file: \(after.content)")
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty)
    }

    @Test("exec -i < FILE: the same for a process started in a running container")
    func execInteractiveCannotTakeOverAStdinFile() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try RunMountTests.Isolated(fixture)
        let started = try root.cli.run(["run", "-d", "--name", "target", "--profile", fixture.profile, root.image, "sleep", "60"])
        #expect(started.status == 0, "\(started)")
        let victim = try Victim()
        let result = try Self.withStdinFrom(victim.file, root.cli, ["exec", "-i", "target"] + Self.rewrite)
        #expect(result.stdout.hasPrefix("original\n"), "\(result)")
        let after = try victim.state()
        #expect(after.uid == 0, "the host file now belongs to uid \(after.uid): \(result)")
        #expect(after.content == "original\n", "the exec'd process rewrote the host file: \(after.content)")
        _ = try root.cli.run(["rm", "-f", "target"])
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty)
    }
}
