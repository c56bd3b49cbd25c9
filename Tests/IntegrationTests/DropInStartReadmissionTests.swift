import Foundation
import Testing

/// Issue 17, finding 3: an image admitted at `docker create` started after its attestation was removed
/// (or its key withdrawn, or its scan gone stale), and then ran unseen by `securerun ps` (shown
/// "Created") and by `audit --stop-failing`. Starting and restarting a securerun container now takes the
/// start decision again, through the same code `run` does, and `ps`/`audit` ask the engine what it runs.
@Suite("drop-in start and restart take the start decision again; ps and audit see what the engine runs", .sharedHost)
struct DropInStartReadmissionTests {
    struct Setup {
        let fixture: AdmissionFixture
        let profile: String
        let name = "readmit-\(UUID().uuidString.prefix(6).lowercased())"

        /// A fixture over the busybox image with a trusted key, a signed passing scan finished `age` seconds
        /// ago, and a profile that blocks at HIGH and takes scans up to `maxScanAge` old.
        init(_ run: RunFixture, age: TimeInterval = 0, maxScanAge: String = "30d") throws {
            fixture = try AdmissionFixture(image: "test/gated:1", rootfs: run.rootfs)
            let report = try fixture.boundReport("trivy-alpine-310.json", createdAt: AdmissionFixture.now(offset: -age))
            try expectSuccess(fixture.cli.run(["image", "attest", fixture.image, "--report", report, "--key", fixture.keyPrefix + ".key"]))
            profile = try fixture.profile("  blockAt: HIGH\n  maxScanAge: \(maxScanAge)", name: "gate-\(UUID().uuidString.prefix(6).lowercased())")
        }

        func docker(_ arguments: [String]) throws -> CLIResult {
            try fixture.cli.run(["docker"] + arguments, environment: ["SECURERUN_PROFILE": profile])
        }

        /// What the engine says: "true" while the container runs.
        func engineRunning() throws -> String {
            try CLI.exec("docker", ["inspect", "--format", "{{.State.Running}}", name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// What `securerun run` says of the image under the same profile now.
        func runRefusal() throws -> CLIResult {
            try fixture.cli.run(["run", "--runtime", "docker", "--profile", profile, fixture.image, "true"])
        }
    }

    /// The ways an admitted image stops being admitted after its container was created.
    enum Withdrawal: String, CaseIterable, CustomTestStringConvertible {
        case attestationRemoved, keyWithdrawn, scanStale
        var testDescription: String { rawValue }

        func apply(_ setup: Setup) throws {
            switch self {
            case .attestationRemoved:
                try expectSuccess(setup.fixture.cli.run(["image", "attestation", "rm", "--all", setup.fixture.image]))
            case .keyWithdrawn:
                try expectSuccess(setup.fixture.cli.run(["key", "rm", "ci.pub"]))
            case .scanStale:
                // The scan finished 50 minutes ago; the profile now takes scans up to 30 minutes old.
                let text = try String(contentsOfFile: setup.profile, encoding: .utf8).replacingOccurrences(of: "maxScanAge: 1h", with: "maxScanAge: 30m")
                try text.write(toFile: setup.profile, atomically: true, encoding: .utf8)
            }
        }
    }

    @Test("create, then the image stops being admitted: start, container start, start -a and restart refuse with run's message", arguments: Withdrawal.allCases)
    func startTakesTheDecisionAgain(_ withdrawal: Withdrawal) throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = withdrawal == .scanStale ? try Setup(fixture, age: 3000, maxScanAge: "1h") : try Setup(fixture)
        let created = try setup.docker(["create", "--name", setup.name, setup.fixture.image, "sleep", "120"])
        #expect(created.status == 0, "\(created)")
        defer { _ = try? CLI.exec("docker", ["rm", "-f", setup.name]) }
        try withdrawal.apply(setup)
        let run = try setup.runRefusal()
        #expect(run.status == 125 && run.stderr.contains("not admitted by profile"), "\(run)")
        for arguments in [["start", setup.name], ["container", "start", setup.name], ["start", "-a", setup.name], ["restart", setup.name]] {
            let result = try setup.docker(arguments)
            #expect(result.status == 125, "\(arguments): \(result)")
            #expect(result.stderr == run.stderr, "\(arguments) must refuse as run does: \(result.stderr) vs \(run.stderr)")
            #expect(try setup.engineRunning() == "false", "\(arguments) started it")
        }
    }

    @Test("restart of a running securerun container whose image lost its admission is refused, and the container is left as it was")
    func restartOfARunningContainer() throws {
        guard let run = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try Setup(run)
        let started = try setup.docker(["run", "-d", "--name", setup.name, setup.fixture.image, "sleep", "120"])
        #expect(started.status == 0, "\(started)")
        defer { _ = try? CLI.exec("docker", ["rm", "-f", setup.name]) }
        let pid = try CLI.exec("docker", ["inspect", "--format", "{{.State.Pid}}", setup.name]).stdout
        try Withdrawal.attestationRemoved.apply(setup)
        let restarted = try setup.docker(["container", "restart", "-t", "1", setup.name])
        #expect(restarted.status == 125 && restarted.stderr.contains("not admitted by profile"), "\(restarted)")
        #expect(try CLI.exec("docker", ["inspect", "--format", "{{.State.Pid}}", setup.name]).stdout == pid, "the refused restart restarted it")
    }

    @Test("a created container the real docker starts shows in securerun ps as running, and audit --stop-failing stops it")
    func startedBehindSecurerunsBack() throws {
        guard let run = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try Setup(run)
        let created = try setup.docker(["create", "--name", setup.name, setup.fixture.image, "sleep", "120"])
        #expect(created.status == 0, "\(created)")
        defer { _ = try? CLI.exec("docker", ["rm", "-f", setup.name]) }
        // The real docker, not the drop-in: nothing of securerun's saw this start.
        #expect(try CLI.exec("docker", ["start", setup.name]).status == 0)
        let ps = try setup.fixture.cli.run(["ps"])
        let row = ps.stdout.split(separator: "\n").first { $0.contains(setup.name) }
        #expect(row?.contains("Up") == true, "ps does not show it running: \(ps)")
        let exec = try setup.fixture.cli.run(["exec", setup.name, "echo", "inside"])
        #expect(exec.status == 0 && exec.stdout == "inside\n", "\(exec)")
        try Withdrawal.attestationRemoved.apply(setup)
        let audit = try setup.fixture.cli.run(["audit", "--stop-failing"], timeout: 120)
        #expect(audit.status == 1 && audit.stdout.contains(setup.name) && audit.stdout.contains("AUD001"), "\(audit)")
        var running = try setup.engineRunning()
        for _ in 0..<200 where running == "true" {
            usleep(50_000)
            running = try setup.engineRunning()
        }
        #expect(running != "true", "audit --stop-failing left it running")
    }
}
