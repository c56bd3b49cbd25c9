/// `file:line:col: error SR002 message`, one line per finding that counts, severities coloured when
/// `colour` (a terminal, and NO_COLOR unset).
public enum TextReport {
    /// The report's lines.
    public static func lines(_ reports: [FileReport], colour: Bool) -> [String] {
        var lines: [String] = []
        for report in reports {
            if let problem = report.problem {
                lines.append("\(report.file): \(paint("error", .error, colour)): \(problem)")
                continue
            }
            for finding in report.findings where finding.counts {
                let place = finding.position.map { "\(report.file):\($0.line):\($0.column)" } ?? report.file
                lines.append("\(place): \(paint(finding.severity.rawValue, finding.severity, colour)) \(finding.rule) \(finding.message)")
            }
        }
        return lines
    }

    static func paint(_ text: String, _ severity: Severity, _ colour: Bool) -> String {
        guard colour else { return text }
        let code: String
        switch severity {
        case .error: code = "1;31"
        case .warning: code = "1;33"
        case .note: code = "1;36"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}
