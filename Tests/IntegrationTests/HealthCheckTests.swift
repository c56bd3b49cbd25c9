import Foundation
import TestSupport
import Testing

/// Issue 22: health checks run by a detached container's monitor inside the container, with real runc
/// containers: ps shows the state, inspect the probes, and --health-on-failure restart brings it back.
@Suite("health checks: healthy and unhealthy in ps and inspect, --health-on-failure restart and stop")
struct HealthCheckTests {
    /// A state root of its own and a profile allowing restarts.
    struct Root {
        let restarts: RestartPolicyTests.Root
        var cli: CLI { restarts.cli }

        init(_ fixture: RunFixture) throws {
            restarts = try RestartPolicyTests.Root(fixture)
        }

        func detach(_ name: String, _ flags: [String], _ command: [String]) throws -> String {
            try restarts.lifecycle.detach(["--name", name] + flags, command, profile: restarts.profile)
        }

        func health(_ name: String) throws -> [String: Any] {
            try restarts.record(name)["health"] as? [String: Any] ?? [:]
        }

        func statusText(_ name: String) throws -> String {
            try restarts.row(name)["statusText"] as? String ?? ""
        }
    }

    @Test("a passing check makes it healthy; a failing one, after --health-retries, unhealthy; ps and inspect say so")
    func healthyAndUnhealthy() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        let tag = UUID().uuidString.prefix(6).lowercased()
        let (good, bad) = ("good-\(tag)", "bad-\(tag)")
        defer { root.restarts.removeAll([good, bad]) }
        _ = try root.detach(good, ["--health-cmd", "id -u; test -d /proc/self", "--health-interval", "200ms"], ["sleep", "600"])
        _ = try root.detach(bad, ["--health-cmd", "echo sick >&2; exit 1", "--health-interval", "200ms", "--health-retries", "2"], ["sleep", "600"])
        #expect(try Wait.until { try root.statusText(good).hasSuffix("(healthy)") }, "\((try? root.health(good)) ?? [:])")
        #expect(try Wait.until { try root.statusText(bad).hasSuffix("(unhealthy)") }, "\((try? root.health(bad)) ?? [:])")
        // The probe ran as the container's own non-root user (the profile's 65534), inside it.
        let probes = try #require(try root.health(good)["log"] as? [[String: Any]])
        #expect(probes.last?["exitCode"] as? Int == 0 && (probes.last?["output"] as? String)?.hasPrefix("65534") == true, "\(probes)")
        let failed = try root.health(bad)
        #expect((failed["failingStreak"] as? Int ?? 0) >= 2, "\(failed)")
        let log = try #require(failed["log"] as? [[String: Any]])
        #expect(log.allSatisfy { $0["exitCode"] as? Int == 1 && ($0["output"] as? String)?.contains("sick") == true } && log.count <= 5, "\(log)")
        // Without --health-on-failure it keeps running, as docker's does.
        #expect(try root.restarts.status(bad) == "running" && root.restarts.restarts(bad) == 0)
    }

    @Test("--health-on-failure restart restarts an unhealthy container (through the start decision); stop stops it for good")
    func onFailureRestartAndStop() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        let tag = UUID().uuidString.prefix(6).lowercased()
        let (restarted, stopped) = ("restart-\(tag)", "stop-\(tag)")
        defer { root.restarts.removeAll([restarted, stopped]) }
        let failing = ["--health-cmd", "false", "--health-interval", "200ms", "--health-retries", "2"]
        _ = try root.detach(restarted, failing + ["--health-on-failure", "restart"], ["sleep", "600"])
        _ = try root.detach(stopped, failing + ["--health-on-failure", "stop", "--restart", "unless-stopped"], ["sleep", "600"])
        #expect(try Wait.until { try root.restarts.restarts(restarted) >= 1 && root.restarts.status(restarted) == "running" })
        let record = try root.restarts.record(restarted)
        #expect((record["notes"] as? [String])?.contains { $0.contains("unhealthy after 2 failed checks; --health-on-failure restart") } == true, "\(record)")
        // Killed by its monitor (SIGKILL: 137) and started again, with a fresh health state.
        #expect((record["exits"] as? [[String: Any]])?.first?["exitCode"] as? Int == 137, "\(record)")
        #expect(try Wait.until { try root.restarts.status(stopped) == "exited" })
        Thread.sleep(forTimeInterval: 1)
        #expect(try root.restarts.status(stopped) == "exited" && root.restarts.restarts(stopped) == 0, "its restart policy must not bring it back")
    }

    @Test("health flags without -d, and on the docker backend, are refused naming the flag; --health-on-failure is not a docker flag")
    func refusals() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        let image = root.restarts.lifecycle.image
        let foreground = try root.cli.run(["run", "--profile", root.restarts.profile, "--health-cmd", "true", image, "true"])
        #expect(foreground.status == 125 && foreground.stderr.contains("--health-cmd true") && foreground.stderr.contains("add -d"), "\(foreground)")
        let docker = try root.cli.run(["run", "-d", "--runtime", "docker", "--profile", root.restarts.profile, "--health-interval", "5s", image, "true"])
        #expect(docker.status == 125 && docker.stderr.contains("--health-interval 5s") && docker.stderr.contains("runc or crun"), "\(docker)")
        let dropIn = try root.cli.run(["docker", "run", "-d", "--health-on-failure", "restart", image, "true"])
        #expect(dropIn.status == 125 && dropIn.stderr.contains("health-on-failure"), "\(dropIn)")
    }
}
