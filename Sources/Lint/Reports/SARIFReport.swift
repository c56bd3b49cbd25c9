import Foundation
import SARIF

/// `--format sarif`: SARIF 2.1.0 with one run, every rule of the catalogue (id, name, short and full
/// descriptions, help, default level) and a result per finding (level, location; suppressed ones with an
/// `inSource` suppression and its reason), as code-scanning dashboards read it. Unreadable inputs are
/// tool execution notifications.
public enum SARIFReport {
    /// The log of `reports`; `version` is securerun's.
    public static func log(_ reports: [FileReport], version: String) -> SARIFLog {
        let rules = Catalogue.all
        let indexes = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($0.element.id, $0.offset) })
        let descriptors = rules.map { rule in
            SARIFLog.Rule(
                id: rule.id, name: rule.name, short: rule.summary, full: rule.explanation,
                help: "\(rule.explanation)\nMore: securerun lint --explain \(rule.id)", level: level(rule.severity))
        }
        var results: [SARIFLog.Result] = []
        for report in reports {
            for finding in report.findings {
                results.append(
                    SARIFLog.Result(
                        ruleId: finding.rule, ruleIndex: indexes[finding.rule], level: level(finding.severity), message: finding.message,
                        locations: [SARIFLog.Location(uri: uri(report.file), line: finding.position?.line, column: finding.position?.column)],
                        suppressions: finding.suppressed.map { [SARIFLog.Suppression(justification: $0)] }))
            }
        }
        let notifications = reports.compactMap { report in
            report.problem.map { SARIFLog.Notification(message: $0, uri: uri(report.file)) }
        }
        var run = SARIFLog.Run(
            tool: .init(driver: .init(name: "securerun lint", version: version, informationUri: "https://github.com/securerun", rules: descriptors)),
            results: results)
        run.invocations = [SARIFLog.Invocation(executionSuccessful: notifications.isEmpty, notifications: notifications)]
        return SARIFLog(run: run)
    }

    static func level(_ severity: Severity) -> SARIFLog.Level {
        switch severity {
        case .error: return .error
        case .warning: return .warning
        case .note: return .note
        }
    }

    /// A relative path as a relative URI reference, an absolute one as a file URI, stdin as `stdin`.
    static func uri(_ file: String) -> String {
        if file == "-" { return "stdin" }
        let allowed = CharacterSet.urlPathAllowed
        let encoded = file.addingPercentEncoding(withAllowedCharacters: allowed) ?? file
        return file.hasPrefix("/") ? "file://" + encoded : encoded
    }
}
