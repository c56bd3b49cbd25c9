/// SR401: a request value malformed whatever the profile says: a relative working directory, a hostname
/// longer than 64 characters, an empty variable name, a seccomp file that cannot be read.
public enum RequestInvalid: LintRule {
    public static let description = RuleDescription(
        id: "SR401", name: "request-invalid", severity: .error, kinds: [.dockerRun, .compose],
        summary: "request values are well-formed",
        explanation: """
            These values parse, but no container can use them (the kernel refuses a 65-character hostname, a \
            relative working directory means nothing to runc). securerun refuses them before anything is created.
            Fix: correct the value named in the message.
            """)
}
