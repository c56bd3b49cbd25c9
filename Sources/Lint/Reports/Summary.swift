/// Counts over a lint run, and the exit status they mean.
public struct LintSummary: Sendable, Equatable, Codable {
    public var files: Int
    public var errors: Int
    public var warnings: Int
    public var notes: Int
    public var suppressed: Int
    public var unreadable: Int

    /// The counts of `reports`.
    public init(_ reports: [FileReport]) {
        let findings = reports.flatMap(\.findings)
        let counting = findings.filter(\.counts)
        files = reports.count
        errors = counting.filter { $0.severity == .error }.count
        warnings = counting.filter { $0.severity == .warning }.count
        notes = counting.filter { $0.severity == .note }.count
        suppressed = findings.count - counting.count
        unreadable = reports.filter { $0.problem != nil }.count
    }

    /// 2 when an input could not be read or recognised, 1 when a finding at `failOn` or above counts, else 0.
    public func exitStatus(failOn: Severity) -> Int32 {
        if unreadable > 0 { return 2 }
        let failing = failOn == .error ? errors : (failOn == .warning ? errors + warnings : errors + warnings + notes)
        return failing > 0 ? 1 : 0
    }

    /// `3 files: 2 errors, 1 warning, 1 suppressed`.
    public var description: String {
        func count(_ value: Int, _ noun: String) -> String { "\(value) \(noun)\(value == 1 ? "" : "s")" }
        var parts = [count(errors, "error"), count(warnings, "warning")]
        if notes > 0 { parts.append(count(notes, "note")) }
        if suppressed > 0 { parts.append("\(suppressed) suppressed") }
        if unreadable > 0 { parts.append("\(unreadable) unreadable") }
        return "\(count(files, "file")) linted: \(parts.joined(separator: ", "))"
    }
}
