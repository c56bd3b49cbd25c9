import Foundation
import HostSystem
import Testing

/// The crash sweep runs in every command (`ps` included). For a detached container whose monitor died it
/// asks the runtime whether the container still runs, and tears down everything that is not "running".
/// When the runtime cannot be asked at all (its binary not on this command's PATH, as under a cron job or a
/// sudo secure_path without /usr/sbin, or `runc state` failing under load), "could not ask" must not be read
/// as "not running": the healthy container must be left alone, never killed.
@Suite("the sweep never kills a running container it could not ask the runtime about")
struct SweepRuntimeUnknownAttackTests {
    @Test("a detached container whose monitor died survives a ps run without the runtime on PATH")
    func healthyContainerSurvivesASweepThatCannotAskTheRuntime() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let id = try root.detach(["--name", "healthy"], ["sleep", "120"])
        let record = try #require(try root.inspect("healthy")["record"] as? [String: Any])
        let monitor = pid_t(try #require(record["ownerPID"] as? Int))
        let initPID = pid_t(try #require(record["initPID"] as? Int))
        kill(monitor, SIGKILL)
        #expect(StoreInspection.waitUntil(seconds: 10) { ProcessStat.read(monitor) == nil }, "the monitor is gone")

        let ps = try root.cli.run(["ps", "-a"], environment: ["PATH": "/nonexistent"])
        let alive = ProcessStat.read(initPID).map { $0.state != "Z" } ?? false
        #expect(alive, "the sweep killed the healthy container \(id): \(ps)")
        let runtime = root.cli.root.appendingPathComponent("runtime/runc/\(id)").path
        #expect(FileManager.default.fileExists(atPath: runtime), "the sweep removed the runtime's state of a running container: \(ps)")

        _ = try root.cli.run(["rm", "-f", "healthy"])
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty, "\(RunFixture.leftovers(root: root.cli.root))")
    }
}
