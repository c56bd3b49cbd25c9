import Foundation
import Testing

@testable import Lint

/// Inline suppressions silence one rule in one place, need a reason, and stay visible (JSON, SARIF).
@Suite("Lint: suppressions")
struct SuppressionTests {
    @Test("a YAML comment on the line above or at the end of the line suppresses that rule only")
    func yamlComments() throws {
        let text = """
            name: p
            seccomp: default
            volumes:
              # securerun-lint: ignore SR206 the build cache profile writes to /srv/cache only
              allowWritable: true
            allowedRegistries: [docker.io]  # securerun-lint: ignore SR212 mirrored by the proxy in front of it
            admission:
              allowUnattested: true  # securerun-lint: ignore SR206 wrong rule: does not silence SR208

            """
        let report = try LintFixtures.lint(text, name: "p.yaml")
        #expect(report.findings.first { $0.rule == "SR206" }?.suppressed == "the build cache profile writes to /srv/cache only")
        #expect(report.findings.first { $0.rule == "SR212" }?.suppressed == "mirrored by the proxy in front of it")
        #expect(report.rules == ["SR208"])
    }

    @Test("a suppression without a reason, or of an unknown rule, silences nothing and is a finding")
    func malformed() throws {
        let report = try LintFixtures.lint(
            "# securerun-lint: ignore SR009\ndocker run --privileged busybox\n# securerun-lint: ignore SR999 no such rule\ndocker run --pid host busybox\n",
            name: "run.sh")
        #expect(report.rules == ["SR901", "SR009", "SR901", "SR015"])
    }

    @Test("x-securerun-ignore in a JSON object covers that object")
    func json() throws {
        let text = """
            {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
             "syscalls": [
               {"names": ["execve", "exit_group", "read", "write", "mmap", "brk"], "action": "SCMP_ACT_ALLOW"},
               {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "x-securerun-ignore": "SR103 the debugger sidecar traces its own children"},
               {"names": ["bpf"], "action": "SCMP_ACT_ALLOW"}
             ]}
            """
        let report = try LintFixtures.lint(text, name: "s.json")
        let ptrace = try #require(report.findings.first { $0.message.hasPrefix("ptrace") })
        #expect(ptrace.suppressed == "the debugger sidecar traces its own children")
        #expect(report.findings.filter(\.counts).map(\.field) == ["syscalls[2].names[0]"])
    }

    @Test("a line's suppression covers every line of a continued command")
    func continued() throws {
        let text = "# securerun-lint: ignore SR010 read-only config from the host's own deploy directory\ndocker run \\\n  -v /etc/app:/config:ro \\\n  app:1\n"
        let report = try LintFixtures.lint(text, name: "run.sh")
        #expect(report.findings.map(\.rule) == ["SR010"])
        #expect(report.findings.first?.counts == false)
    }
}
