import ArgumentParser
import Foundation
import Glibc
import Lint
import Policy

/// `securerun lint PATH...`: checks profiles, seccomp profiles, runtime configs, `docker run` lines and
/// compose files against the rule catalogue; exit 0 clean, 1 with errors, 2 when an input cannot be read.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check profiles, seccomp profiles, runtime configs, docker run lines and compose files (exit 1 on errors).",
        discussion: """
            Each file's kind is detected from its contents (--kind overrides): a securerun profile, a Docker/OCI \
            seccomp profile, an OCI runtime config.json, a shell file that starts containers, or a docker compose \
            file. In shell files every command a shell would run is judged (after ;, &&, ||, | and reserved words, \
            in subshells, $( ), backquotes and functions, behind sudo, env, nohup, time and the like, in sh -c and \
            eval scripts): docker run and create, podman run, securerun run, docker compose run. Variables and \
            aliases are not expanded. Directories are searched for .json, .yaml, .yml and .sh files; - reads \
            standard input. Only regular files are read (a symlink, FIFO, device or /proc file is refused), at most \
            8 MiB each, and at most 1000 findings per file are reported. Command lines and compose services are \
            judged by the same rules securerun run applies, against --profile (default: default). Silence a \
            finding where it is acceptable with a reason: `# securerun-lint: ignore SR010 REASON` on or above the \
            line (YAML, shell files), or "x-securerun-ignore": "SR103 REASON" in a JSON object. Exit status: 0 no \
            errors, 1 errors (or warnings with --fail-on warning), 2 an input could not be read or recognised.
            """)

    @Argument(help: "Files or directories to lint; - for standard input.")
    var paths: [String] = []

    @Option(help: "Read every file as this kind: profile, seccomp, runtime-config, docker-run or compose.")
    var kind: String?

    @Option(help: "Output format: text, json or sarif.")
    var format: String = "text"

    @Option(name: .customLong("fail-on"), help: "The lowest severity that fails: error, warning or note.")
    var failOn: String = "error"

    @Option(help: "The profile docker run lines and compose services are judged against (name or path).")
    var profile: String?

    @Option(help: "Explain a rule (its id, such as SR002) and how to fix what it finds.")
    var explain: String?

    @Flag(name: .customLong("list-rules"), help: "List every rule: id, severity, name and summary.")
    var listRules = false

    func run() throws {
        if listRules {
            for rule in Catalogue.all {
                print("\(rule.id)  \(rule.severity.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0))  \(rule.name): \(rule.summary)")
            }
            return
        }
        if let explain {
            guard let rule = Catalogue.rule(explain) else {
                printError("no rule \(explain): securerun lint --list-rules lists them")
                throw ExitCode(2)
            }
            print("\(rule.id) \(rule.name) (\(rule.severity.rawValue); \(rule.kinds.map(\.rawValue).joined(separator: ", ")))")
            print(rule.summary)
            print("")
            print(rule.explanation)
            return
        }
        let chosenKind = try parse(kind, as: FileKind.self, flag: "--kind")
        let threshold = try parse(failOn, as: Severity.self, flag: "--fail-on") ?? .error
        guard ["text", "json", "sarif"].contains(format) else {
            printError("invalid --format \(format): use text, json or sarif")
            throw ExitCode(2)
        }
        guard !paths.isEmpty else {
            printError("lint needs a file, a directory or - (standard input); securerun lint --help")
            throw ExitCode(2)
        }
        let judged: Profile
        do {
            judged = try ProfileLoader.load(ProfileLoader.requested(profile))
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        let reports = Linter(kind: chosenKind, profile: judged).lint(paths: paths)
        let summary = LintSummary(reports)
        switch format {
        case "json":
            print(try jsonString(JSONReport(reports)))
        case "sarif":
            print(try jsonString(SARIFReport.log(reports, version: SecurerunVersion.number)))
        default:
            let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            for line in TextReport.lines(reports, colour: colour) { print(line) }
            // The findings first, then the count, also when stdout is a pipe (a CI log).
            fflush(nil)
            printError(summary.description)
        }
        let status = summary.exitStatus(failOn: threshold)
        if status != 0 { throw ExitCode(status) }
    }

    func parse<T: RawRepresentable & CaseIterable>(_ text: String?, as type: T.Type, flag: String) throws -> T? where T.RawValue == String {
        guard let text else { return nil }
        guard let value = T(rawValue: text) else {
            printError("invalid \(flag) \(text): use \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            throw ExitCode(2)
        }
        return value
    }
}
