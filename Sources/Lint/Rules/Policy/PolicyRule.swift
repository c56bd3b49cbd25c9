import Policy

/// One of the policy's refusal rules (SR001…) in the lint catalogue. The check is the policy's own: lint
/// runs `Policy.findings`, the same rules `Policy.enforce` runs, on each `docker run` line and compose
/// service, so a finding and a refusal can never disagree. The type adds the explanation and the fix.
public protocol PolicyRule: LintRule {
    /// The policy rule it describes.
    static var rule: PolicyViolation.Rule { get }
    /// Why it matters and how to fix it.
    static var explanation: String { get }
}

extension PolicyRule {
    public static var description: RuleDescription {
        RuleDescription(id: rule.id, name: rule.name, severity: .error, kinds: [.dockerRun, .compose], summary: rule.summary, explanation: explanation)
    }
}

/// A rule the doors keep that no file shows (admission of an image, the engine's calls, reading a request
/// whole): lint explains it (`--explain`, `--list-rules`) and reports it for no kind of file.
public protocol DoorRule: PolicyRule {}

extension DoorRule {
    public static var description: RuleDescription {
        RuleDescription(id: rule.id, name: rule.name, severity: .error, kinds: [], summary: rule.summary, explanation: explanation)
    }
}
