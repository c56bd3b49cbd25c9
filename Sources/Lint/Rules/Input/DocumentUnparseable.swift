/// SR900: a file that is not what its kind needs: JSON with a syntax error or a duplicate key, YAML that
/// does not compose, a document over lint's size or nesting limits.
public enum DocumentUnparseable: LintRule {
    public static let description = RuleDescription(
        id: "SR900", name: "document-unparseable", severity: .error, kinds: FileKind.allCases,
        summary: "the file parses",
        explanation: """
            Documents are read strictly: JSON as RFC 8259 (no duplicate keys, which two readers would resolve \
            differently; no invalid UTF-8), YAML with bounded nesting and each key once. A file that does not \
            parse cannot be checked, and securerun would refuse it.
            Fix: correct the syntax at the position given.
            """)
}
