import Foundation
import Testing

@testable import Lint

/// What bounds lint's work on a hostile file: at most ``Linter/maxBytes`` read (HostileInputTests), at most
/// ``Linter/maxFindings`` findings kept per file with one more saying how many were left out, and a reader
/// that keeps one command at a time. (How long it takes is measured by scripts/bench, not here.)
@Suite("Lint: bounds on what a file can make lint hold")
struct BoundsTests {
    static func lines(_ count: Int) -> String {
        String(repeating: "docker run --pid=host busybox\n", count: count)
    }

    @Test("past 1000 findings, the rest are counted, not kept, and one SR902 says how many")
    func findingsCapped() throws {
        let report = try LintFixtures.lint(Self.lines(1500), name: "deploy.sh")
        #expect(report.findings.count == Linter.maxFindings + 1)
        #expect(report.findings.dropLast().allSatisfy { $0.rule == "SR015" })
        let last = try #require(report.findings.last)
        #expect(last.rule == "SR902")
        #expect(last.position == SourcePosition(line: 1001, column: 12))
        #expect(last.message == "lint reports at most 1000 findings of a file; 500 more were found from here on (fix these and lint again)")
        #expect(LintSummary([report]).exitStatus(failOn: .error) == 1)
    }

    @Test("exactly 1000 findings are all reported, with no SR902")
    func atTheCap() throws {
        let report = try LintFixtures.lint(Self.lines(1000), name: "deploy.sh")
        #expect(report.findings.count == 1000)
        #expect(!report.rules.contains("SR902"))
    }

    @Test("the command prints the capped findings and the count line")
    func command() throws {
        guard let outcome = try CommandTests.run(["lint", "--kind", "docker-run", "-"], stdin: Self.lines(1200)) else { return }
        #expect(outcome.status == 1)
        let printed = outcome.stdout.split(separator: "\n")
        #expect(printed.count == 1001)
        #expect(
            printed.last == "-:1001:12: error SR902 lint reports at most 1000 findings of a file; 200 more were found from here on (fix these and lint again)")
        #expect(outcome.stderr.contains("1 file linted: 1001 errors"), "\(outcome.stderr)")
    }

    @Test("a suppression comment covers a command continued over lines, as one pass over the file finds it")
    func suppressionSpans() throws {
        var text = ""
        for index in 0..<300 {
            text += "# securerun-lint: ignore SR015 the sidecar \(index) reads the host's process list\n"
            text += "docker run \\\n  --pid=host busybox\n"
        }
        text += "docker run --pid=host busybox  # securerun-lint: ignore SR009 wrong rule\n"
        let report = try LintFixtures.lint(text, name: "deploy.sh")
        #expect(report.findings.filter { $0.suppressed != nil }.count == 300)
        #expect(report.rules == ["SR015"])
        #expect(report.findings.first { $0.counts }?.position?.line == 901)
    }
}
