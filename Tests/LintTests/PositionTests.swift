import Foundation
import Testing

@testable import Lint

/// Findings point at what to change: the flag's letter in a docker run line (through continuations and
/// combined short flags), the compose key, the JSON member, the YAML key.
@Suite("Lint: positions")
struct PositionTests {
    @Test("a refusal inside -itP points at the P, on the continued line")
    func combinedShortFlag() throws {
        let text = "docker run --rm \\\n    -itP busybox sh\n"
        let report = try LintFixtures.lint(text, name: "run.sh")
        let finding = try #require(report.findings.first { $0.rule == "SR012" })
        #expect(finding.position == SourcePosition(line: 2, column: 8))
    }

    @Test("a refusal of a quoted word points at its flag letter")
    func quotedValue() throws {
        let text = "# deploy\nsudo docker run -d \\\n  --name web \\\n  -v \"/etc:/etc\" nginx\n"
        let report = try LintFixtures.lint(text, name: "deploy.sh")
        let finding = try #require(report.findings.first { $0.rule == "SR010" })
        #expect(finding.position == SourcePosition(line: 4, column: 4))
        #expect(finding.message.hasPrefix("-v /etc:/etc:"))
    }

    @Test("a parse error of the grammar is placed at the flag's letter")
    func parseError() throws {
        let report = try LintFixtures.lint("docker run -m 512Mi busybox\n", name: "run.sh")
        let finding = try #require(report.findings.first)
        #expect(finding.rule == "SR400")
        #expect(finding.position == SourcePosition(line: 1, column: 13))
        #expect(finding.message.contains("512Mi"))
    }

    @Test("two bad volumes of one line are two findings, the first one being what a run refuses")
    func everyRefusal() throws {
        let report = try LintFixtures.lint("docker run --privileged -v /:/h -v /proc:/p:ro --pid host busybox\n", name: "run.sh")
        #expect(report.rules == ["SR009", "SR010", "SR010", "SR015"])
        #expect(report.findings.map(\.position?.column) == [12, 26, 34, 48])
    }

    @Test("a seccomp finding points at the JSON member")
    func jsonMember() throws {
        let text =
            "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [\n    {\"names\": [\"opne\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}\n  ]\n}\n"
        let report = try LintFixtures.lint(text, name: "s.json")
        #expect(report.kind == .seccomp)
        let allows = try #require(report.findings.first { $0.rule == "SR101" })
        #expect(allows.position == SourcePosition(line: 2, column: 3))
        let unknown = try #require(report.findings.first { $0.rule == "SR102" })
        #expect(unknown.position == SourcePosition(line: 4, column: 16))
        #expect(unknown.field == "syscalls[0].names[0]")
        #expect(unknown.message.contains("did you mean \"open\""))
    }

    @Test("a profile finding points at the YAML key")
    func yamlKey() throws {
        let text = "name: p\nseccomp: default\nadmission:\n  threshold: 1\n  allowUnattested: true\n"
        let report = try LintFixtures.lint(text, name: "p.yaml")
        let finding = try #require(report.findings.first { $0.rule == "SR208" })
        #expect(finding.position == SourcePosition(line: 5, column: 3))
    }
}
