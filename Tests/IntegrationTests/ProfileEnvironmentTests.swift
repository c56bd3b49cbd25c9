import Foundation
import Testing

/// Issue 17, a new user's problem: `SECURERUN_PROFILE` chose the drop-in's profile but `securerun run`
/// silently ignored it. Every command that takes `--profile` now reads it when `--profile` is not given,
/// and `--profile` wins.
@Suite("SECURERUN_PROFILE is honoured wherever a profile is chosen, and --profile wins", .serialized)
struct ProfileEnvironmentTests {
    /// The memory limit `run --dry-run` would give, in bytes.
    static func dryRunMemory(_ cli: CLI, _ flags: [String], image: String, environment: [String: String]) throws -> Int? {
        let result = try cli.run(["run", "--dry-run"] + flags + [image, "true"], environment: environment)
        guard result.status == 0 else { throw TestFailure("dry run failed: \(result)") }
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let resources = (json?["linux"] as? [String: Any])?["resources"] as? [String: Any]
        return ((resources?["memory"] as? [String: Any])?["limit"] as? NSNumber)?.intValue
    }

    @Test("run: the profile SECURERUN_PROFILE names sets the limits (a path relative to the caller too, with -d), and --profile wins")
    func runHonoursSecurerunProfile() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        let small = try RunFixture.writeProfile(in: isolated.temp.url, name: "from-env", extra: "resources:\n  memory: 100m\n  memorySwap: 100m")
        let environment = ["SECURERUN_PROFILE": small]
        #expect(try Self.dryRunMemory(isolated.cli, [], image: isolated.image, environment: environment) == 100 << 20)
        #expect(try Self.dryRunMemory(isolated.cli, ["--profile", fixture.profile], image: isolated.image, environment: environment) == 512 << 20)

        // Relative to where the command is typed, also for a detached container (whose monitor works from /).
        let name = "from-env-\(UUID().uuidString.prefix(8).lowercased())"
        defer { _ = try? isolated.cli.run(["rm", "-f", name]) }
        let started = try DetachedRelativePathTests.run(
            in: isolated.temp.url, isolated.cli, ["run", "-d", "--name", name, isolated.image, "sleep", "30"],
            environment: ["SECURERUN_PROFILE": "from-env.yaml"])
        #expect(started.status == 0, "\(started)")
        let inspect = try isolated.cli.run(["inspect", name])
        #expect(inspect.stdout.contains("\"profile\" : \"from-env\"") || inspect.stdout.contains("\"profile\":\"from-env\""), "\(inspect)")
    }

    @Test("image verify and audit: SECURERUN_PROFILE chooses the profile they judge under, and --profile wins")
    func verifyAndAuditHonourSecurerunProfile() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        // Refuses every unattested image (the test image has no attestation).
        let strict = try RunFixture.writeProfile(in: isolated.temp.url, name: "strict-env", extra: "", admission: "  allowUnattested: false")
        let environment = ["SECURERUN_PROFILE": strict]

        let refused = try isolated.cli.run(["image", "verify", isolated.image], environment: environment)
        #expect(refused.status == 1 && refused.stdout.contains("under profile strict-env"), "\(refused)")
        let admitted = try isolated.cli.run(["image", "verify", "--profile", fixture.profile, isolated.image], environment: environment)
        #expect(admitted.status == 0 && admitted.stdout.contains("under profile unattested"), "\(admitted)")

        let name = "audit-env-\(UUID().uuidString.prefix(8).lowercased())"
        defer { _ = try? isolated.cli.run(["rm", "-f", name]) }
        let started = try isolated.cli.run(["run", "-d", "--name", name, "--profile", fixture.profile, isolated.image, "sleep", "60"])
        #expect(started.status == 0, "\(started)")
        let audited = try isolated.cli.run(["audit", "--json"], environment: environment)
        #expect(audited.status == 1 && audited.stdout.contains("\"profile\" : \"strict-env\""), "\(audited)")
        let own = try isolated.cli.run(["audit", "--profile", fixture.profile], environment: environment)
        #expect(own.status == 0, "\(own)")
    }
}
