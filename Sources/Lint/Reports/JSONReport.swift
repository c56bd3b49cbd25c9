/// `--format json`: every finding (suppressed ones with their reason), the files that could not be read,
/// and the summary.
public struct JSONReport: Encodable, Sendable {
    public var findings: [Finding]
    public var unreadable: [Unreadable]
    public var summary: LintSummary

    /// A file that could not be read or recognised.
    public struct Unreadable: Encodable, Sendable {
        public var file: String
        public var problem: String
    }

    /// The report of `reports`.
    public init(_ reports: [FileReport]) {
        findings = reports.flatMap(\.findings)
        unreadable = reports.compactMap { report in report.problem.map { Unreadable(file: report.file, problem: $0) } }
        summary = LintSummary(reports)
    }
}
