import Foundation
import HostSystem
import Testing

/// Issue 17, finding 10: a detached container's monitor copied its output into the log outside the
/// container's cgroup, a timestamp and a write per line: a container printing empty lines under
/// `--cpus 0.5` cost the host a whole CPU. The copying now runs in the container's CPU cgroup (so it
/// shares the container's limit) and writes each chunk it reads at once.
@Suite("detached logs: copying a container's output is charged to the container")
struct DetachedLogChargeTests {
    /// The `cpu` line of a process's or thread's /proc/…/cgroup (`/securerun/<root>-<id>`), nil without one.
    static func cpuCgroup(_ path: String) -> String? {
        let text = (try? FileContents.text(path)) ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3, fields[1].split(separator: ",").contains("cpu") { return String(fields[2]) }
        }
        return nil
    }

    @Test("the monitor's log copying runs in the container's CPU cgroup, and the log still holds every line as written")
    func copyingRunsInTheContainersCgroup() throws {
        guard let fixture = RunFixture.available() else { return }
        guard !FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") else {
            Requirements.skip("charging single threads needs cgroup v1 CPU controllers; this host is unified (the copying is bounded instead)")
            return
        }
        let root = try ContainerLifecycleTests.Root(fixture)
        let name = "charged-\(UUID().uuidString.prefix(8).lowercased())"
        defer { _ = try? root.cli.run(["rm", "-f", name]) }
        let script = "i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done; echo oops >&2; echo ready; printf tail; sleep 60"
        let id = try root.detach(["--name", name, "--cpus", "0.5"], ["sh", "-c", script])
        #expect(try root.waitForLog(name, "ready"))
        let record = try #require(try root.inspect(name)["record"] as? [String: Any])
        let monitor = try #require((record["ownerPID"] as? NSNumber)?.int32Value, "\(record)")
        let initPID = try #require((record["initPID"] as? NSNumber)?.int32Value, "\(record)")
        let container = try #require(Self.cpuCgroup("/proc/\(initPID)/cgroup"), "no cpu cgroup for the container's init")
        #expect(container.hasSuffix("-\(id)"), "\(container)")
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(monitor)/task")
        let charged = threads.filter { Self.cpuCgroup("/proc/\(monitor)/task/\($0)/cgroup") == container }
        // One reader per stream (stdout, stderr); the monitor's other threads stay where securerun runs.
        #expect(charged.count == 2, "threads \(threads.map { ($0, Self.cpuCgroup("/proc/\(monitor)/task/\($0)/cgroup") ?? "-") })")
        #expect(Self.cpuCgroup("/proc/\(monitor)/cgroup") != container)
        // A partial last line is written when its stream ends.
        #expect(try root.cli.run(["kill", name]).status == 0)
        let waited = try root.cli.run(["wait", name], timeout: 60)
        #expect(waited.stdout == "137\n", "\(waited)")
        let logs = try root.cli.run(["logs", name])
        #expect(logs.stdout == (0..<3000).map { "line \($0)\n" }.joined() + "ready\ntail", "\(logs.stdout.suffix(200))")
        #expect(logs.stderr == "oops\n", "\(logs)")
        #expect(try root.cli.run(["rm", "-f", name]).status == 0)
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty, "\(RunFixture.leftovers(root: root.cli.root))")
    }

    // The readers leave the container's cgroup before the monitor removes it: removing a cgroup SIGKILLs
    // what is still in it, and a monitor killed there loses the exit code ("its monitor died").
    @Test("containers that end at once keep their exit codes: the monitor's readers are out of the cgroup before its removal")
    func exitCodesSurviveTheCgroupRemoval() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let names = (0..<8).map { "brief\($0)-\(UUID().uuidString.prefix(6).lowercased())" }
        defer { for name in names { _ = try? root.cli.run(["rm", "-f", name]) } }
        for name in names { _ = try root.detach(["--name", name, "--cpus", "0.5"], ["sh", "-c", "echo hi; echo err >&2; exit 7"]) }
        for name in names {
            let waited = try root.cli.run(["wait", name], timeout: 60)
            #expect(waited.stdout == "7\n", "\(name): \(waited)")
        }
    }
}
