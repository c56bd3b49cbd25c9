/// A refusal from any door that is not a request's flag against the profile (those are ``PolicyViolation``):
/// the drop-in's guarded commands, exec into a running container, a start taken again. It names the rule
/// it keeps, which `securerun lint --explain` explains, and the exit code (125, as docker gives its own
/// refusals).
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The rule kept.
    public var rule: PolicyViolation.Rule
    /// One line: what was refused, why, and what to do.
    public var message: String
    /// The process's exit code.
    public var exitCode: Int32

    public init(_ rule: PolicyViolation.Rule, _ message: String, exitCode: Int32 = 125) {
        self.rule = rule
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { "\(message) [\(rule.id) \(rule.name)]" }
}
