import Foundation
import Testing

/// Issue 17, a new user's problem: a mistyped subcommand got argument-parser's "Unexpected argument"
/// and no hint. Now it is one line naming the word and the nearest command, exit 125.
@Suite("an unknown subcommand: one line with the nearest command")
struct UnknownCommandTests {
    @Test(
        "a mistyped or docker-spelled command gets 'unknown command X; did you mean Y?' and exit 125",
        arguments: [
            (["rnu", "busybox"], "rnu", "run"),
            (["insepct", "c"], "insepct", "inspect"),
            (["image", "imprt", "--rootfs", "/x"], "image imprt", "image import"),
            (["image", "attestation", "lst"], "image attestation lst", "image attestation ls"),
            (["images"], "images", "image ls"),
            (["pull", "x:1"], "pull", "image pull"),
        ])
    func mistypedCommandGetsTheNearestOne(arguments: [String], typed: String, suggested: String) throws {
        let result = try CLI(root: URL(fileURLWithPath: "/nonexistent-securerun-root")).run(arguments)
        #expect(result.status == 125, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.hasPrefix("securerun: unknown command '\(typed)'; did you mean '\(suggested)'? "), "\(result)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")
    }

    @Test("a word like no command gets the line without a guess; flags, help and the commands' own arguments are untouched")
    func noGuessAndNoFalseAlarms() throws {
        let cli = CLI(root: URL(fileURLWithPath: "/nonexistent-securerun-root"))
        let far = try cli.run(["frobnicate"])
        #expect(far.status == 125 && far.stderr == "securerun: unknown command 'frobnicate' (see 'securerun --help')\n", "\(far)")
        for arguments in [["--version"], ["help", "run"], ["run", "--help"], ["seccomp", "diff", "--help"]] {
            let result = try cli.run(arguments)
            #expect(result.status == 0 && !result.stderr.contains("unknown command"), "\(arguments): \(result)")
        }
    }
}
