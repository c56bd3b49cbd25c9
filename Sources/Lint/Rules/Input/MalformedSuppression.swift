/// SR901: a `securerun-lint: ignore` comment (or `x-securerun-ignore` field) that does not name a known
/// rule or gives no reason. It silences nothing.
public enum MalformedSuppression: LintRule {
    public static let description = RuleDescription(
        id: "SR901", name: "suppression-malformed", severity: .warning, kinds: FileKind.allCases,
        summary: "suppressions name a rule and give a reason",
        explanation: """
            A suppression is a decision a reviewer should be able to judge: which rule (its id) and why it is \
            acceptable here. `# securerun-lint: ignore SR010 the host directory is read-only to this uid` in YAML \
            and docker run files, "x-securerun-ignore": "SR103 the workload traces its own children" in a JSON object.
            Fix: name the rule id (securerun lint --list-rules) and give the reason after it.
            """)
}
