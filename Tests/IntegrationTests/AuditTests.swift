import Foundation
import Testing

/// Issue 9: what runs is re-audited, so a scan that has gone stale, a newer scan that blocks, or a
/// tightened profile is found while the container still runs.
@Suite("securerun audit: running containers against the policy as it is now")
struct AuditTests {
    /// A Trivy report for `image` made `age` seconds ago, with `critical` findings.
    static func report(image: String, age: TimeInterval, critical: [String] = []) -> String {
        let created = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-age))
        let findings = critical.map {
            #"{"VulnerabilityID":"\#($0)","PkgName":"busybox","InstalledVersion":"1.35.0","FixedVersion":"1.36.0","Severity":"CRITICAL"}"#
        }.joined(separator: ",")
        let results = critical.isEmpty ? "[]" : #"[{"Target":"busybox","Class":"os-pkgs","Vulnerabilities":[\#(findings)]}]"#
        return #"{"SchemaVersion":2,"CreatedAt":"\#(created)","ArtifactName":"\#(image)","ArtifactType":"container_image","Results":\#(results)}"#
    }

    struct Setup {
        let fixture: AdmissionFixture
        let profileFile: URL

        init(_ run: RunFixture) throws {
            fixture = try AdmissionFixture(image: "audit/app:1", rootfs: run.rootfs)
            profileFile = fixture.directory.url.appendingPathComponent("audited.yaml")
            try writeProfile(maxScanAge: "30d")
            try attest(age: 7200)
        }

        func writeProfile(maxScanAge: String, memory: String = "512m", extra: String = "") throws {
            let seccomp = CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json").path
            let text = "name: audited\nseccomp: \(seccomp)\nresources:\n  memory: \(memory)\n\(extra)admission:\n  maxScanAge: \(maxScanAge)\n"
            try text.write(to: profileFile, atomically: true, encoding: .utf8)
        }

        func attest(age: TimeInterval, critical: [String] = []) throws {
            let file = fixture.directory.url.appendingPathComponent("report-\(UUID().uuidString.prefix(6)).json")
            try AuditTests.report(image: fixture.image, age: age, critical: critical).write(to: file, atomically: true, encoding: .utf8)
            let result = try fixture.cli.run(["image", "attest", fixture.image, "--report", file.path, "--key", fixture.keyPrefix + ".key"])
            guard result.status == 0 else { throw TestFailure("attest failed: \(result)") }
        }

        func start(_ name: String, _ flags: [String] = []) throws {
            let result = try fixture.cli.run(["run", "-d", "--profile", profileFile.path, "--name", name] + flags + [fixture.image, "sleep", "60"])
            guard result.status == 0 else { throw TestFailure("run -d failed: \(result)") }
        }

        func audit(_ flags: [String] = []) throws -> CLIResult { try fixture.cli.run(["audit"] + flags) }
    }

    @Test("a scan that has aged past the profile's limit fails the container (exit 1, the reason), and --stop-failing stops it")
    func staleScan() throws {
        guard let run = RunFixture.available() else { return }
        let setup = try Setup(run)
        try setup.start("aging")
        let clean = try setup.audit()
        #expect(clean.status == 0 && clean.stdout.isEmpty && clean.stderr.contains("1 running container: 0 failing"), "\(clean)")
        // The profile's limit tightened below the scan's age: what was fresh is stale now.
        try setup.writeProfile(maxScanAge: "1h")
        let stale = try setup.audit()
        #expect(stale.status == 1, "\(stale)")
        #expect(stale.stdout.contains("aging: AUD001 no longer admitted") && stale.stdout.contains("scan too old"), "\(stale)")
        let json = try setup.audit(["--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((report["findings"] as? [[String: Any]])?.first?["rule"] as? String == "AUD001")
        let stopped = try setup.audit(["--stop-failing"])
        #expect(stopped.status == 1 && stopped.stdout.contains("stopped aging"), "\(stopped)")
        #expect(try setup.fixture.cli.run(["ps"]).stdout.contains("aging") == false)
        #expect(try setup.audit().status == 0)
        _ = try setup.fixture.cli.run(["rm", "aging"])
    }

    @Test("a container running with host ids (no user namespace of its own) is reported (AUD005); one with its own id block is not")
    func hostIdsReported() throws {
        guard let run = RunFixture.available() else { return }
        let setup = try Setup(run)
        try setup.start("mapped")
        try setup.writeProfile(maxScanAge: "30d", extra: "userNamespace: off\n")
        try setup.start("unmapped")
        // The profile now says off for both; only the one that really runs with host ids is reported.
        let audit = try setup.audit()
        #expect(audit.status == 1 && audit.stdout.contains("unmapped: AUD005 runs with host ids"), "\(audit)")
        #expect(!audit.stdout.contains("\nmapped: AUD005") && !audit.stdout.hasPrefix("mapped: AUD005"), "\(audit)")
        _ = try setup.fixture.cli.run(["rm", "-f", "mapped", "unmapped"])
    }

    @Test("a blocking attestation added while the container runs is caught; SARIF output names the rule")
    func newBlockingScan() throws {
        guard let run = RunFixture.available() else { return }
        let setup = try Setup(run)
        try setup.start("exposed")
        #expect(try setup.audit().status == 0)
        try setup.attest(age: 60, critical: ["CVE-2099-0001"])
        let caught = try setup.audit()
        #expect(caught.status == 1 && caught.stdout.contains("CVE-2099-0001"), "\(caught)")
        let sarif = try setup.audit(["--format", "sarif"])
        let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let result = ((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])?.first
        #expect(result?["ruleId"] as? String == "AUD001" && result?["level"] as? String == "error", "\(sarif.stdout)")
        _ = try setup.fixture.cli.run(["rm", "-f", "exposed"])
    }

    @Test("a profile tightened since the start: a request it would refuse, and a spec it would now give differently")
    func profileChanged() throws {
        guard let run = RunFixture.available() else { return }
        let setup = try Setup(run)
        try setup.start("asked", ["--memory", "300m"])
        try setup.start("defaulted")
        try setup.writeProfile(maxScanAge: "30d", memory: "256m")
        let audit = try setup.audit()
        #expect(audit.status == 1, "\(audit)")
        #expect(audit.stdout.contains("asked: AUD002") && audit.stdout.contains("--memory 300m"), "\(audit)")
        #expect(audit.stdout.contains("defaulted: AUD003"), "\(audit)")
        _ = try setup.fixture.cli.run(["rm", "-f", "asked", "defaulted"])
    }
}
