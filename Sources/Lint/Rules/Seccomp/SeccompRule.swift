/// A rule that reads a seccomp profile (a file of its own, or the `linux.seccomp` of a runtime config).
public protocol SeccompRule: LintRule {
    /// Adds what it finds in `document` to `sink`.
    static func check(_ document: SeccompDocument, into sink: inout FindingSink)
}
