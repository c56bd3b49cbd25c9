import Foundation
import Testing

/// Issue 17, a new user's problem: run as a user who is not root, securerun failed deep inside (a long
/// overlay "Operation not permitted") or, for `ps`, printed an empty table as if nothing ran. Each command
/// that needs root now says so in one line, and why, with exit 125; the others still work.
@Suite("a user who is not root: one line saying securerun needs root, and why", .serialized)
struct NonRootUserTests {
    /// `securerun ARGUMENTS` as uid and gid 65534 with no supplementary groups, on `root` (a state root
    /// that user owns, so nothing fails on permissions before securerun decides).
    static func asNobody(_ arguments: [String], root: URL) throws -> CLIResult {
        try CLI.exec(
            "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary] + arguments, environment: ["SECURERUN_ROOT": root.path],
            timeout: 60)
    }

    @Test(
        "run, exec, ps, logs, image import, image pull, image ls, image verify, key ls, audit and gc, as uid 65534: exit 125 and one line naming the command and why",
        arguments: [
            (["run", "--profile", "default", "busybox:1", "true"], "run"),
            (["exec", "c", "true"], "exec"),
            (["ps"], "ps"),
            (["logs", "c"], "logs"),
            (["image", "import", "--rootfs", "/nonexistent", "--tag", "x:1"], "image import"),
            (["image", "pull", "127.0.0.1:1/x:1"], "image pull"),
            (["image", "ls"], "image ls"),
            (["image", "verify", "x:1"], "image verify"),
            (["key", "ls"], "key ls"),
            (["audit"], "audit"),
            (["gc"], "gc"),
        ])
    func commandThatNeedsRootSaysSoInOneLine(arguments: [String], name: String) throws {
        guard Requirements.met(tools: ["setpriv"]) else { return }
        let directory = try TemporaryDirectory("securerun-nonroot")
        chmod(directory.url.path, 0o755)
        let root = directory.url.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        chown(root.path, 65534, 65534)
        let result = try Self.asNobody(arguments, root: root)
        #expect(result.status == 125, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.hasPrefix("securerun: \(name) needs root: ") && result.stderr.split(separator: "\n").count == 1, "\(result)")
        #expect(!result.stderr.contains("Operation not permitted") && !result.stderr.contains("Permission denied"), "\(result)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty, "nothing was made: \(result)")
    }

    @Test("what needs no root still works as uid 65534: version, lint, seccomp diff")
    func commandsWithoutRootStillWork() throws {
        guard Requirements.met(tools: ["setpriv"]) else { return }
        let directory = try TemporaryDirectory("securerun-nonroot-ok")
        chmod(directory.url.path, 0o755)
        let script = directory.url.appendingPathComponent("run.sh")
        try "docker run --rm alpine true\n".write(to: script, atomically: true, encoding: .utf8)
        chmod(script.path, 0o644)
        let seccomp = CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json").path
        for arguments in [["version"], ["lint", script.path], ["seccomp", "diff", seccomp, seccomp]] {
            let result = try Self.asNobody(arguments, root: directory.url.appendingPathComponent("state"))
            #expect(!result.stderr.contains("needs root"), "\(arguments): \(result)")
            #expect(result.status != 125, "\(arguments): \(result)")
        }
    }
}
