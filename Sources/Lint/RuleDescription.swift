/// What a rule is, for `--list-rules`, `--explain` and SARIF: a stable id, a name, a default severity, the
/// kinds of file it reads, one line of summary and a longer explanation that ends with the fix.
public struct RuleDescription: Sendable, Equatable {
    /// Stable id (`SR101`); ids are never reused.
    public var id: String
    /// Kebab-case name (`seccomp-default-allows`).
    public var name: String
    /// The severity of its findings unless a finding says otherwise.
    public var severity: Severity
    /// The kinds of file it reads.
    public var kinds: [FileKind]
    /// One line: what the rule keeps.
    public var summary: String
    /// Why it matters and how to fix it.
    public var explanation: String

    /// A description.
    public init(id: String, name: String, severity: Severity, kinds: [FileKind], summary: String, explanation: String) {
        self.id = id
        self.name = name
        self.severity = severity
        self.kinds = kinds
        self.summary = summary
        self.explanation = explanation
    }
}

/// A lint rule: one type per file under `Rules/`, described by its ``RuleDescription``. Rules that read a
/// kind of file also conform to that kind's protocol (``SeccompRule``, ``ProfileRule``,
/// ``RuntimeConfigRule``); the policy's rules are checked by the policy itself (``PolicyRule``).
public protocol LintRule: Sendable {
    /// What the rule is.
    static var description: RuleDescription { get }
}
