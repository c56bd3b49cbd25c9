import ArgumentParser
import Foundation
import Orchestration
import Policy
import SARIF

/// `securerun audit`: re-checks every running container against the policy and attestations as they are now.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Re-check every running container against the current policy and attestations (exit 1 when any fails).",
        discussion: """
            Each running container is judged as if it started now: its image's newest scan against the profile's \
            maximum age and block level, the keys trusted now, and its request against the profile file as it is now. \
            Run it daily (the shipped systemd timer, or cron) so stale or newly vulnerable images are found. \
            With --kubernetes, the pods of a `kubectl get pods -A -o json` dump are judged instead, as the admission \
            webhook judges them (every container against the profile and its floor, every image pinned by digest and admitted).
            """)

    @Option(help: "Judge every container against this profile instead of its own (default: $SECURERUN_PROFILE when set).")
    var profile: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "Output format: text, json or sarif.")
    var format: String = "text"

    @Option(help: ArgumentHelp("Judge the pods of this `kubectl get pods -A -o json` dump (- for stdin) instead of the running containers.", valueName: "file"))
    var kubernetes: String?

    @Flag(name: .customLong("stop-failing"), help: "Stop the containers that fail (SIGTERM, then SIGKILL after 10 s).")
    var stopFailing = false

    func run() async throws {
        let chosen = json ? "json" : format
        guard ["text", "json", "sarif"].contains(chosen) else {
            printError("invalid --format \(format): use text, json or sarif")
            throw ExitCode(125)
        }
        if let kubernetes {
            guard !stopFailing else {
                printError("--stop-failing stops local containers; with --kubernetes, delete the failing pods with kubectl")
                throw ExitCode(125)
            }
            try KubernetesAudit.run(source: kubernetes, profileName: ProfileLoader.requested(profile), format: chosen)
            return
        }
        let report = Audit(stateRoot: stateRoot(), profileName: ProfileLoader.requested(profile)).run(stopFailing: stopFailing)
        switch chosen {
        case "json":
            print(try jsonString(report))
        case "sarif":
            print(try jsonString(Self.sarif(report)))
        default:
            for finding in report.findings {
                print("\(finding.name ?? String(finding.id.prefix(12))): \(finding.rule) \(finding.message)")
            }
            for name in report.stopped { print("stopped \(name)") }
            let failing = Set(report.findings.map(\.id)).count
            printError("audited \(report.checked.count) running container\(report.checked.count == 1 ? "" : "s"): \(failing) failing")
        }
        if !report.findings.isEmpty { throw ExitCode(1) }
    }

    static func sarif(_ report: Audit.Report) -> SARIFLog {
        let rules = Audit.rules.map {
            SARIFLog.Rule(id: $0.id, name: $0.name, short: $0.summary, full: $0.summary, help: "securerun audit --help", level: .error)
        }
        let results = report.findings.map { finding in
            SARIFLog.Result(
                ruleId: finding.rule, ruleIndex: Audit.rules.firstIndex { $0.id == finding.rule }, level: .error,
                message: "\(finding.name ?? finding.id) (\(finding.container.image)): \(finding.message)",
                locations: [.init(uri: "file://" + finding.profileSource, logical: "container \(finding.name ?? finding.id)", kind: "resource")])
        }
        return SARIFLog(
            run: .init(
                tool: .init(driver: .init(name: "securerun audit", version: "0.1.0", informationUri: "https://github.com/securerun", rules: rules)),
                results: results))
    }
}
