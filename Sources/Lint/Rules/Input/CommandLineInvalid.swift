/// SR400: a `docker run` line (or compose service) docker's grammar refuses: an unknown flag, a flag
/// without its value, a malformed value (`-m 512Mi`), no image. securerun refuses the line before policy.
public enum CommandLineInvalid: LintRule {
    public static let description = RuleDescription(
        id: "SR400", name: "command-line-invalid", severity: .error, kinds: [.dockerRun, .compose],
        summary: "the command line parses as docker run parses it",
        explanation: """
            securerun reads run flags exactly as docker does (combined short flags, --flag=value, sizes as docker's \
            units) and refuses a flag it does not know instead of ignoring it. Parsing stops at the first problem, \
            so fix it and lint again to see what follows.
            Fix: correct the flag or value named in the message (docker run --help lists the flags).
            """)
}
