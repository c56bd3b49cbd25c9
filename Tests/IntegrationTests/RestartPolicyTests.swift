import Foundation
import TestSupport
import Testing

/// Issue 22: restart policies kept by a detached container's monitor, with real runc containers: docker's
/// on-failure count, unless-stopped and stop, the restore after a reboot, and the start decision taken
/// again before each restart.
@Suite("restart policies: on-failure:N, unless-stopped and stop, restore after a simulated reboot, a stale scan stops a restart")
struct RestartPolicyTests {
    /// A state root of its own, and a profile that allows every restart policy.
    struct Root {
        let lifecycle: ContainerLifecycleTests.Root
        let profile: String
        var cli: CLI { lifecycle.cli }

        init(_ fixture: RunFixture) throws {
            lifecycle = try ContainerLifecycleTests.Root(fixture)
            profile = try RunFixture.writeProfile(
                in: lifecycle.isolated.temp.url, name: "restarts", extra: "restart:\n  allowed: [on-failure, unless-stopped, always]")
        }

        func detach(_ name: String, _ restart: String, _ command: [String]) throws -> String {
            try lifecycle.detach(["--name", name, "--restart", restart], command, profile: profile)
        }

        /// The container's record, as `inspect` prints it.
        func record(_ name: String) throws -> [String: Any] {
            try #require(try lifecycle.inspect(name)["record"] as? [String: Any])
        }

        /// Its row of `ps -a --json`.
        func row(_ name: String) throws -> [String: Any] {
            let result = try cli.run(["ps", "-a", "--json"])
            let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
            return try #require(rows?.first { $0["name"] as? String == name }, "\(result)")
        }

        func status(_ name: String) throws -> String { try record(name)["status"] as? String ?? "" }
        func restarts(_ name: String) throws -> Int { try record(name)["restartCount"] as? Int ?? 0 }

        /// Removes what the test made, whatever state it is in.
        func removeAll(_ names: [String]) {
            for name in names { _ = try? cli.run(["rm", "-f", name]) }
        }
    }

    @Test("on-failure:3 restarts a crashing container three times, then it stays exited; ps -a and inspect show each exit code")
    func onFailureCounts() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        let name = "crash-\(UUID().uuidString.prefix(6).lowercased())"
        defer { root.removeAll([name]) }
        _ = try root.detach(name, "on-failure:3", ["sh", "-c", "echo attempt; exit 3"])
        #expect(try Wait.until { try root.status(name) == "exited" && root.restarts(name) == 3 }, "\((try? root.record(name)) ?? [:])")
        // It stays down: no fourth restart comes, even after the longest back-off it would have had.
        Thread.sleep(forTimeInterval: 2)
        let record = try root.record(name)
        #expect(record["status"] as? String == "exited" && record["restartCount"] as? Int == 3, "\(record)")
        let exits = (record["exits"] as? [[String: Any]])?.compactMap { $0["exitCode"] as? Int }
        #expect(exits == [3, 3, 3, 3], "\(record)")
        let row = try root.row(name)
        #expect((row["statusText"] as? String)?.hasPrefix("Exited (3)") == true && row["restartCount"] as? Int == 3, "\(row)")
        let logs = try root.cli.run(["logs", name]).stdout
        #expect(logs.components(separatedBy: "attempt").count - 1 == 4, "\(logs)")
    }

    @Test("on-failure does not restart a container that exits 0; --restart without -d and on the docker backend are refused with the flag named")
    func onFailureSuccessAndRefusals() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        let name = "clean-\(UUID().uuidString.prefix(6).lowercased())"
        defer { root.removeAll([name]) }
        _ = try root.detach(name, "on-failure", ["true"])
        #expect(try Wait.until { try root.status(name) == "exited" })
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try root.restarts(name) == 0 && root.status(name) == "exited")
        let foreground = try root.cli.run(["run", "--profile", root.profile, "--restart", "always", root.lifecycle.image, "true"])
        #expect(foreground.status == 125 && foreground.stderr.contains("--restart always") && foreground.stderr.contains("add -d"), "\(foreground)")
        let docker = try root.cli.run(["run", "-d", "--runtime", "docker", "--profile", root.profile, "--restart", "always", root.lifecycle.image, "true"])
        #expect(docker.status == 125 && docker.stderr.contains("--restart always") && docker.stderr.contains("SR033"), "\(docker)")
        let strict = try RunFixture.writeProfile(in: root.lifecycle.isolated.temp.url, name: "norestart", extra: "")
        let refused = try root.cli.run(["run", "-d", "--profile", strict, "--restart", "on-failure", root.lifecycle.image, "true"])
        #expect(refused.status == 125 && refused.stderr.contains("[SR033 restart-policy]"), "\(refused)")
    }

    @Test("unless-stopped comes back after its process dies, stays stopped after securerun stop, and restore leaves it stopped")
    func unlessStoppedAndStop() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        let name = "svc-\(UUID().uuidString.prefix(6).lowercased())"
        defer { root.removeAll([name]) }
        _ = try root.detach(name, "unless-stopped", ["sleep", "600"])
        #expect(try Wait.until { try root.status(name) == "running" })
        #expect(try root.cli.run(["kill", name]).status == 0)
        #expect(try Wait.until { try root.restarts(name) == 1 && root.status(name) == "running" }, "\((try? root.record(name)) ?? [:])")
        let stopped = try root.cli.run(["stop", "-t", "1", name])
        #expect(stopped.status == 0, "\(stopped)")
        #expect(try root.status(name) == "exited")
        Thread.sleep(forTimeInterval: 1)
        let record = try root.record(name)
        #expect(record["status"] as? String == "exited" && record["restartCount"] as? Int == 1 && record["stoppedByUser"] as? Bool == true, "\(record)")
        let restore = try root.cli.run(["restore"])
        #expect(restore.status == 0 && !restore.stdout.contains(name), "\(restore)")
        #expect(try root.status(name) == "exited")
        // Named, it comes back (what a unit of the user's own does), through the start decision.
        let named = try root.cli.run(["restore", name])
        #expect(named.status == 0 && named.stdout.contains(name), "\(named)")
        #expect(try root.status(name) == "running")
        let unit = try root.cli.run(["generate", "systemd", name])
        #expect(unit.status == 0 && unit.stdout.contains("ExecStart=") && unit.stdout.contains("restore \(name)"), "\(unit)")
    }

    @Test("a simulated reboot (monitors and containers killed, state kept): restore brings back exactly always and unless-stopped not stopped")
    func restoreAfterReboot() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        let tag = UUID().uuidString.prefix(6).lowercased()
        let policies = [
            ("always", "always", false), ("unless", "unless-stopped", false), ("stopped", "unless-stopped", true),
            ("failure", "on-failure", false), ("none", "no", false), ("alwaysstopped", "always", true),
        ]
        let names = policies.map { "\($0.0)-\(tag)" }
        defer { root.removeAll(names) }
        for (index, policy) in policies.enumerated() {
            _ = try root.detach(names[index], policy.1, ["sleep", "600"])
            #expect(try Wait.until { try root.status(names[index]) == "running" })
            if policy.2 { #expect(try root.cli.run(["stop", "-t", "1", names[index]]).status == 0) }
        }
        // The reboot: every monitor, then every container process, killed; the state root kept.
        var pids: [Int32] = []
        for name in names {
            let record = try root.record(name)
            guard record["status"] as? String == "running" else { continue }
            let monitor = Int32(try #require(record["ownerPID"] as? Int))
            kill(monitor, SIGKILL)
            pids.append(Int32(try #require(record["initPID"] as? Int)))
        }
        for pid in pids { kill(pid, SIGKILL) }
        #expect(Wait.until { pids.allSatisfy { kill($0, 0) != 0 } })
        let restore = try root.cli.run(["restore"], timeout: 120)
        #expect(restore.status == 0, "\(restore)")
        let back = Set(restore.stdout.split(separator: "\n").map(String.init))
        #expect(back == ["always-\(tag)", "unless-\(tag)", "alwaysstopped-\(tag)"], "\(restore)")
        for (index, policy) in policies.enumerated() {
            let expected = back.contains(names[index]) ? "running" : "exited"
            #expect(try root.status(names[index]) == expected, "\(policy)")
        }
        // The restored ones keep their policy with their new monitor: a crash brings them back.
        #expect(try root.cli.run(["kill", "always-\(tag)"]).status == 0)
        #expect(try Wait.until { try root.restarts("always-\(tag)") == 1 && root.status("always-\(tag)") == "running" })
    }

    @Test("a container whose scan went stale is not restarted: ps -a and its log say why")
    func staleScanStopsARestart() throws {
        guard let run = RunFixture.available() else { return }
        let fixture = try AdmissionFixture(image: "test/restart:1", rootfs: run.rootfs)
        let report = try fixture.boundReport("trivy-alpine-310.json", createdAt: AdmissionFixture.now(offset: -3000))
        try expectSuccess(fixture.cli.run(["image", "attest", fixture.image, "--report", report, "--key", fixture.keyPrefix + ".key"]))
        let profile = try RunFixture.writeProfile(
            in: fixture.directory.url, name: "gate-restart", extra: "restart:\n  allowed: [on-failure]", admission: "  blockAt: HIGH\n  maxScanAge: 1h")
        let name = "stale-\(UUID().uuidString.prefix(6).lowercased())"
        defer { _ = try? fixture.cli.run(["rm", "-f", name]) }
        // It crashes a second after each start, until the scan goes stale.
        let started = try fixture.cli.run([
            "run", "-d", "--name", name, "--profile", profile, "--restart", "on-failure", fixture.image, "sh", "-c", "sleep 1; exit 2",
        ])
        #expect(started.status == 0, "\(started)")
        func record() throws -> [String: Any] {
            let result = try fixture.cli.run(["inspect", name])
            let array = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
            return try #require(array?.first?["record"] as? [String: Any], "\(result)")
        }
        #expect(try Wait.until { (try record()["restartCount"] as? Int ?? 0) >= 1 })
        // The scan finished 50 minutes ago; the profile now takes scans up to 30 minutes old.
        let text = try String(contentsOfFile: profile, encoding: .utf8).replacingOccurrences(of: "maxScanAge: 1h", with: "maxScanAge: 30m")
        try text.write(toFile: profile, atomically: true, encoding: .utf8)
        #expect(try Wait.until { try record()["restartRefused"] as? String != nil }, "\((try? record()) ?? [:])")
        let count = try record()["restartCount"] as? Int
        Thread.sleep(forTimeInterval: 2)
        let after = try record()
        #expect(after["status"] as? String == "exited" && after["restartCount"] as? Int == count, "\(after)")
        let ps = try fixture.cli.run(["ps", "-a"])
        #expect(ps.stdout.contains("Exited (2)") && ps.stdout.contains("not restarted: image no longer admitted"), "\(ps)")
        let logs = try fixture.cli.run(["logs", name])
        #expect((logs.stdout + logs.stderr).contains("restart refused") && (logs.stdout + logs.stderr).contains("not admitted"), "\(logs)")
    }
}
