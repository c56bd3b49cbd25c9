import Foundation
import HostSystem
import Testing

/// Issue 17, finding 7: on the docker backend a detached container that ended was deleted from the
/// engine, so `docker logs` said "No such container", `securerun logs` printed nothing and `docker start`
/// after `docker stop` failed: a crashing service left no trace. As in docker, the container and its log
/// now stay until `securerun rm` or `docker rm`, and securerun's record follows what the engine runs.
@Suite("docker backend: a detached container keeps its output and can be started again", .sharedHost)
struct DockerDetachedLogTests {
    /// A fresh state root and an engine name nobody else uses.
    struct Fixture {
        let root: ContainerLifecycleTests.Root
        let name: String

        init?(_ prefix: String) throws {
            guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return nil }
            root = try ContainerLifecycleTests.Root(fixture)
            name = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        }

        /// `run -d --runtime docker --name NAME FLAGS IMAGE COMMAND`; the id it printed.
        func detach(_ flags: [String], _ command: [String]) throws -> String {
            try root.detach(["--runtime", "docker", "--name", name] + flags, command)
        }

        /// securerun's row for the container in `ps -a --json`, nil once it is gone.
        func row() throws -> [String: Any]? {
            let listed = try root.cli.run(["ps", "-a", "--json"])
            let rows = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
            return rows.first { $0["name"] as? String == name }
        }

        /// Its status in securerun's record (`running`, `exited`, …), nil once it is gone.
        func status() throws -> String? { try row()?["status"] as? String }

        /// Its `ps` row as text, for failure messages.
        func describe() -> Comment {
            Comment(rawValue: ((try? row()) ?? nil).map { "\($0)" } ?? "no row in ps -a")
        }

        /// The names of engine containers called NAME.
        func engineNames() throws -> String {
            try CLI.exec("docker", ["ps", "-a", "--filter", "name=^\(name)$", "--format", "{{.Names}}"]).stdout
        }

        /// Waits up to `seconds` (polling) until `condition` holds.
        func eventually(_ seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try condition() { return true }
                usleep(100_000)
            }
            return try condition()
        }

        /// Removes what a failed test left: securerun's container, then the engine's.
        func cleanUp() {
            _ = try? root.cli.run(["rm", "-f", name])
            _ = try? CLI.exec("docker", ["rm", "-f", name])
        }
    }

    @Test("a detached container that crashed keeps its engine container, its exit code and its output until rm")
    func crashedServiceLeavesItsOutput() throws {
        guard let fixture = try Fixture("crashed") else { return }
        defer { fixture.cleanUp() }
        _ = try fixture.detach([], ["sh", "-c", "echo starting; echo 'fatal: no config' >&2; exit 3"])
        let waited = try fixture.root.cli.run(["wait", fixture.name], timeout: 60)
        #expect(waited.stdout == "3\n", "\(waited)")
        let logs = try fixture.root.cli.run(["logs", fixture.name])
        #expect(logs.status == 0 && logs.stdout == "starting\n" && logs.stderr == "fatal: no config\n", "\(logs)")
        let stamped = try fixture.root.cli.run(["logs", "--timestamps", "--tail", "1", fixture.name])
        #expect(stamped.stderr.hasSuffix("Z fatal: no config\n") || stamped.stdout.hasSuffix("Z starting\n"), "\(stamped)")
        let engineLogs = try CLI.exec("docker", ["logs", fixture.name])
        #expect(engineLogs.status == 0 && engineLogs.stdout == "starting\n" && engineLogs.stderr == "fatal: no config\n", "\(engineLogs)")
        #expect(try fixture.engineNames() == "\(fixture.name)\n")
        let ended = try fixture.row()
        #expect(ended?["status"] as? String == "exited" && ended?["exitCode"] as? Int == 3, "\(String(describing: ended))")
        // Until rm: then both go.
        let removed = try fixture.root.cli.run(["rm", fixture.name])
        #expect(removed.status == 0, "\(removed)")
        #expect(try fixture.engineNames().isEmpty)
        #expect(try fixture.status() == nil)
        #expect(RunFixture.leftovers(root: fixture.root.cli.root).isEmpty, "\(RunFixture.leftovers(root: fixture.root.cli.root))")
    }

    @Test("docker stop then docker start of a detached container works; ps follows the engine; docker rm removes securerun's record")
    func stopThenStart() throws {
        guard let fixture = try Fixture("restarted") else { return }
        defer { fixture.cleanUp() }
        let script = "echo started; trap 'echo stopping; exit 0' TERM; while :; do sleep 1; done"
        _ = try fixture.detach([], ["sh", "-c", script])
        #expect(try fixture.root.waitForLog(fixture.name, "started"))
        let stopped = try CLI.exec("docker", ["stop", "-t", "20", fixture.name], timeout: 60)
        #expect(stopped.status == 0, "\(stopped)")
        #expect(try fixture.eventually { try fixture.status() == "exited" }, fixture.describe())
        let started = try CLI.exec("docker", ["start", fixture.name], timeout: 60)
        #expect(started.status == 0, "\(started)")
        #expect(try fixture.eventually { try fixture.status() == "running" }, fixture.describe())
        // Both runs' output, in one log.
        #expect(try fixture.eventually { try fixture.root.cli.run(["logs", fixture.name]).stdout == "started\nstopping\nstarted\n" })
        // securerun's own verbs work on what the engine started.
        let stop = try fixture.root.cli.run(["stop", fixture.name], timeout: 60)
        #expect(stop.status == 0, "\(stop)")
        let ended = try fixture.row()
        #expect(ended?["status"] as? String == "exited" && ended?["exitCode"] as? Int == 0, "\(String(describing: ended))")
        let gone = try CLI.exec("docker", ["rm", fixture.name])
        #expect(gone.status == 0, "\(gone)")
        #expect(try fixture.eventually { try fixture.status() == nil }, fixture.describe())
        #expect(RunFixture.leftovers(root: fixture.root.cli.root).isEmpty, "\(RunFixture.leftovers(root: fixture.root.cli.root))")
    }

    @Test("with --rm a detached container on the docker backend goes, engine container and record, once it ends")
    func removedOnExit() throws {
        guard let fixture = try Fixture("removed") else { return }
        defer { fixture.cleanUp() }
        _ = try fixture.detach(["--rm"], ["sh", "-c", "echo bye"])
        #expect(try fixture.eventually { try fixture.status() == nil && fixture.engineNames().isEmpty })
        #expect(RunFixture.leftovers(root: fixture.root.cli.root).isEmpty, "\(RunFixture.leftovers(root: fixture.root.cli.root))")
    }

    @Test("a container whose monitor was killed while it was stopped is followed again: docker start shows in ps")
    func monitorKilledWhileStopped() throws {
        guard let fixture = try Fixture("orphaned") else { return }
        defer { fixture.cleanUp() }
        _ = try fixture.detach([], ["sh", "-c", "echo up; trap 'exit 0' TERM; while :; do sleep 1; done"])
        #expect(try fixture.root.waitForLog(fixture.name, "up"))
        #expect(try CLI.exec("docker", ["stop", "-t", "20", fixture.name], timeout: 60).status == 0)
        #expect(try fixture.eventually { try fixture.status() == "exited" })
        let inspected = try fixture.root.inspect(fixture.name)
        let record = try #require(inspected["record"] as? [String: Any], "\(inspected)")
        let monitor = try #require((record["ownerPID"] as? NSNumber)?.int32Value, "\(record)")
        kill(monitor, SIGKILL)
        #expect(fixture.eventually { Self.hasEnded(monitor) })
        let started = try CLI.exec("docker", ["start", fixture.name], timeout: 60)
        #expect(started.status == 0, "\(started)")
        // Every container command sweeps: a new monitor follows the container the engine still keeps.
        #expect(try fixture.eventually { try fixture.status() == "running" }, fixture.describe())
        #expect(try fixture.root.cli.run(["stop", fixture.name], timeout: 60).status == 0)
        #expect(try fixture.status() == "exited")
        let removed = try fixture.root.cli.run(["rm", fixture.name])
        #expect(removed.status == 0, "\(removed)")
        #expect(try fixture.engineNames().isEmpty)
        #expect(try fixture.status() == nil)
    }

    /// Whether process `pid` is gone (or a zombie nobody reaped yet).
    static func hasEnded(_ pid: Int32) -> Bool {
        guard let stat = try? FileContents.text("/proc/\(pid)/stat") else { return true }
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }
}
