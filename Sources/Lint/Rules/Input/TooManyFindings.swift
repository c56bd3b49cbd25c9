/// SR902: a file with more findings than lint reports. Lint keeps at most ``Linter/maxFindings`` findings
/// of one file (so a hostile file cannot make it hold one per byte) and says how many more there were.
public enum TooManyFindings: LintRule {
    public static let description = RuleDescription(
        id: "SR902", name: "too-many-findings", severity: .error, kinds: FileKind.allCases,
        summary: "a file has at most \(Linter.maxFindings) findings, all reported",
        explanation: """
            Lint reports at most \(Linter.maxFindings) findings per file and counts the rest; this finding, placed \
            at the first one not reported, says how many there were. A file with that many problems is most \
            likely generated: fix the generator, or split the file.
            Fix: fix the findings reported and lint again.
            """)
}
