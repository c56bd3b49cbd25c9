import Foundation
import Testing

@testable import Lint

/// Compose services are judged by the same grammar and rules as docker run lines, each finding at the key;
/// and since the engine gets a service as it is, the floor a service leaves out is a finding too (the rule
/// the engine plugin refuses it with).
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
            cap_drop: [ALL]
            security_opt: ["no-new-privileges:true", "seccomp=SECCOMP"]
            mem_limit: 256m
            memswap_limit: 256m
            cpus: 0.5
            pids_limit: 64
            network_mode: none
            # securerun-lint: ignore SR026 the worker's port is only published on the CI runner
            ports: ["9000:9000"]

        """

    /// The file, with the shipped seccomp profile's path.
    static var text: String {
        compose.replacingOccurrences(of: "SECCOMP", with: LintFixtures.repository().appendingPathComponent("profiles/seccomp/default.json").path)
    }

    @Test("a service that leaves out the floor has a finding for each missing key; one that carries it has none")
    func floor() throws {
        let bare = try LintFixtures.lint("services:\n  app:\n    image: app:1\n", name: "compose.yaml")
        let found = bare.findings.filter(\.counts).map { "\($0.rule) \($0.field ?? "")" }
        #expect(found.count == 10, "\(found)")
        #expect(
            Set(found) == [
                "SR001 services.app.user", "SR003 services.app.read_only", "SR002 services.app.cap_drop", "SR004 services.app.security_opt",
                "SR005 services.app.security_opt", "SR006 services.app.mem_limit", "SR006 services.app.memswap_limit", "SR007 services.app.cpus",
                "SR008 services.app.pids_limit", "SR012 services.app.network_mode",
            ], "\(found)")
        let worker = try LintFixtures.lint(Self.text, name: "compose.yaml")
        #expect(!worker.findings.contains { $0.field?.hasPrefix("services.worker") == true && $0.counts }, "\(worker.findings)")
    }

    @Test("each listed key maps to the refusal a run would make")
    func services() throws {
        let report = try LintFixtures.lint(Self.text, name: "compose.yaml")
        #expect(report.kind == .compose)
        let found = report.findings.filter(\.counts).map { "\($0.rule) \($0.field ?? "")" }
        #expect(
            Set(found) == [
                "SR009 services.web.privileged", "SR002 services.web.cap_add[0]", "SR001 services.web.user", "SR003 services.web.read_only",
                "SR012 services.web.network_mode", "SR015 services.web.pid", "SR016 services.web.devices[0]", "SR005 services.web.security_opt[0]",
                "SR010 services.web.volumes[0]", "SR006 services.web.deploy.resources.limits.memory",
                // The floor the service leaves out, which the engine would not add.
                "SR002 services.web.cap_drop", "SR004 services.web.security_opt", "SR006 services.web.memswap_limit", "SR007 services.web.cpus",
                "SR008 services.web.pids_limit",
            ], "\(found)")
        #expect(found.count == 15, "\(found)")
        let privileged = try #require(report.findings.first { $0.rule == "SR009" })
        #expect(privileged.position == SourcePosition(line: 4, column: 5))
    }

    @Test(
        "compose keys run refuses are lint findings too, with run's rule: restart always, logging, pull_policy, storage_opt, cpu_count; restart and healthcheck run accepts lint clean"
    )
    func keysRunRefuses() throws {
        let text = """
            services:
              svc:
                image: app:1
                restart: always
                logging:
                  driver: syslog
                pull_policy: always
                storage_opt:
                  size: 1G
                cpu_count: 2
              quiet:
                image: app:1
                healthcheck:
                  disable: true
              kept:
                image: app:1
                restart: unless-stopped
                healthcheck:
                  test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1/"]
                  interval: 30s
                  timeout: 5s
                  retries: 3
                  start_period: 10s

            """
        let report = try LintFixtures.lint(text, name: "compose.yaml")
        let found = Set(report.findings.filter { $0.rule == "SR024" }.map { $0.field ?? "" })
        #expect(
            found.isSuperset(of: ["services.svc.logging.driver", "services.svc.pull_policy", "services.svc.storage_opt.size", "services.svc.cpu_count"]),
            "\(found)")
        // The default profile allows on-failure and unless-stopped, as run does; always is refused by run's rule.
        #expect(report.findings.contains { $0.rule == "SR033" && $0.field == "services.svc.restart" }, "\(report.findings)")
        // What run accepts (restart: unless-stopped, a health check) lints clean of run's rules.
        #expect(
            !report.findings.contains { $0.field == "services.kept.restart" || $0.field?.hasPrefix("services.kept.healthcheck") == true },
            "\(report.findings)")
        // Turning the image's health check off is what run accepts (--no-healthcheck).
        #expect(!report.findings.contains { $0.field?.hasPrefix("services.quiet.healthcheck") == true }, "\(report.findings)")
    }

    @Test("a commented exception is suppressed with its reason, and counts for nothing")
    func suppressed() throws {
        let report = try LintFixtures.lint(Self.text, name: "compose.yaml")
        let ports = try #require(report.findings.first { $0.field == "services.worker.ports[0]" })
        #expect(ports.rule == "SR026")
        #expect(ports.suppressed == "the worker's port is only published on the CI runner")
        #expect(!report.findings.contains { $0.field?.hasPrefix("services.worker") == true && $0.counts })
    }
}
