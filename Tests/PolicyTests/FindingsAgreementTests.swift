import Foundation
import Testing

@testable import DockerCompat
@testable import Policy

/// `Policy.findings` (what lint reports) and `Policy.enforce` (what a run refuses) run the same rules: for
/// every line, the run's refusal is lint's first finding, a line a run accepts has no finding, and lint goes
/// on to report every other problem of the line.
@Suite("Policy: lint's findings and a run's refusal agree")
struct FindingsAgreementTests {
    static let host = HostFacts(rlimits: [.nofile: (1024, 4096), .core: (0, -1)], cpus: [0, 1], memoryNodes: [0], platform: "linux/amd64")
    static let lines: [[String]] = [
        [], ["-u", "0"], ["--privileged", "-u", "0"], ["-m", "4g", "--pids-limit", "-1"], ["-v", "/:/host", "-v", "/proc:/p:ro"],
        ["--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN"], ["--tmpfs", "/run:exec", "--tmpfs", "/var:size=1g"], ["-p", "80:80", "--pid", "host"],
        ["-u", "33:33", "-v", "/srv/app-data:/d:ro"], ["--group-add", "0"], ["-w", "rel"], ["--ulimit", "nofile=99999999:99999999"],
        ["--cpus", "4", "-m", "1g"], ["--read-only=false", "--security-opt", "seccomp=unconfined"], ["--shm-size", "1g"],
        ["-u", "1000:1000", "-v", "/srv/app-data:/data:ro", "--tmpfs", "/cache:size=8m"], ["--hostname", String(repeating: "h", count: 70)],
    ]

    @Test("the first finding is the refusal", arguments: lines)
    func agree(_ flags: [String]) throws {
        let context = ParseContext(environment: [:], workingDirectory: "/work", files: InMemoryFiles())
        let request = try DockerRunParser.parse(flags + ["img"], mode: .securerunRun, context: context).request
        let profile = try ProfileFixtures.parse("name: unit\nextraTmpfs:\n  allow: true\n  maxSize: 32m\n")
        let secrets = HostSecrets(patterns: [])
        let image = ImageDefaults(cmd: ["/bin/sh"])
        let findings = Policy.findings(request, profile: profile, image: image, hostSecrets: secrets, host: Self.host)
        do {
            _ = try Policy.enforce(request, profile: profile, image: image, hostSecrets: secrets, host: Self.host)
            #expect(findings.isEmpty, "\(flags): a run accepts it, lint found \(findings)")
        } catch {
            #expect(findings.first == error, "\(flags)")
        }
    }

    @Test("a line with several problems gets each of them")
    func every() throws {
        let context = ParseContext(environment: [:], workingDirectory: "/work", files: InMemoryFiles())
        let flags = ["--privileged", "-u", "0", "-m", "4g", "--pids-limit", "0", "-v", "/:/h", "-v", "/etc:/e:ro", "--cap-add", "SYS_ADMIN"]
        let request = try DockerRunParser.parse(flags + ["img"], mode: .securerunRun, context: context).request
        let profile = try ProfileFixtures.parse("name: unit\n")
        let rules = Policy.findings(request, profile: profile, hostSecrets: HostSecrets(patterns: []), host: Self.host).compactMap { error -> String? in
            if case .violation(let violation) = error { return "\(violation.rule.id) \(violation.flag)" }
            return nil
        }
        #expect(
            rules == [
                "SR009 --privileged", "SR001 -u 0", "SR002 --cap-add SYS_ADMIN", "SR006 -m 4g", "SR010 -v /:/h", "SR010 -v /etc:/e:ro", "SR008 --pids-limit 0",
            ])
    }
}
