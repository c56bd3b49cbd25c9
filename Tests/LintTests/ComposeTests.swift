import Foundation
import Testing

@testable import Lint

/// Compose services are judged by the same grammar and rules as docker run lines, each finding at the key.
@Suite("Lint: compose files")
struct ComposeTests {
    static let compose = """
        services:
          web:
            image: nginx:1.27
            privileged: true
            cap_add: [NET_ADMIN]
            user: root
            read_only: false
            network_mode: host
            pid: host
            devices:
              - /dev/fuse
            volumes:
              - /var/run/docker.sock:/var/run/docker.sock
              - type: bind
                source: /srv/static
                target: /usr/share/nginx/html
                read_only: true
            security_opt:
              - seccomp:unconfined
            deploy:
              resources:
                limits:
                  memory: 4g
          worker:
            image: worker:2
            user: "1000:1000"
            read_only: true
            # securerun-lint: ignore SR026 the worker's port is only published on the CI runner
            ports: ["9000:9000"]

        """

    @Test("each listed key maps to the refusal a run would make")
    func services() throws {
        let report = try LintFixtures.lint(Self.compose, name: "compose.yaml")
        #expect(report.kind == .compose)
        let found = report.findings.filter(\.counts).map { "\($0.rule) \($0.field ?? "")" }
        #expect(
            Set(found) == [
                "SR009 services.web.privileged", "SR002 services.web.cap_add[0]", "SR001 services.web.user", "SR003 services.web.read_only",
                "SR012 services.web.network_mode", "SR015 services.web.pid", "SR016 services.web.devices[0]", "SR005 services.web.security_opt[0]",
                "SR010 services.web.volumes[0]", "SR006 services.web.deploy.resources.limits.memory",
            ], "\(found)")
        #expect(found.count == 10, "\(found)")
        let privileged = try #require(report.findings.first { $0.rule == "SR009" })
        #expect(privileged.position == SourcePosition(line: 4, column: 5))
    }

    @Test("a commented exception is suppressed with its reason, and counts for nothing")
    func suppressed() throws {
        let report = try LintFixtures.lint(Self.compose, name: "compose.yaml")
        let ports = try #require(report.findings.first { $0.field == "services.worker.ports[0]" })
        #expect(ports.rule == "SR026")
        #expect(ports.suppressed == "the worker's port is only published on the CI runner")
        #expect(!report.findings.contains { $0.field?.hasPrefix("services.worker") == true && $0.counts })
    }
}
