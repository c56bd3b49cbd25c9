import Foundation
import Testing

/// The "nothing left behind" checks once filtered leftovers by container name, which appears in none of
/// the paths listed, so they could not fail. `Leftovers.of` looks where securerun puts each piece; this
/// shows it finds every kind when teardown never runs (securerun SIGKILLed), and that the sweep clears them.
@Suite("leftover checks: what a run leaves when its teardown never runs is found, kind by kind", .sharedHost)
struct LeftoverCheckTests {
    @Test("a SIGKILLed private-network run leaves its directory, runtime state, cgroups, mounts, namespace and veth: each is listed, and the sweep clears them")
    func findsWhatSIGKILLLeaves() throws {
        guard let network = try NetworkFixture.available() else { return }
        let root = network.cli.root
        #expect(Leftovers.of(root: root).isEmpty, "a fresh state root: \(Leftovers.of(root: root))")
        let profile = try network.profile("leftover-check")
        let run = try BackgroundRun(
            ["run", "--profile", profile, "--name", "left", network.image, "sh", "-c", "echo ready; sleep 60"], root: root, logDirectory: network.directory,
            name: "left")
        #expect(run.waitFor("ready"), "\(run.output)")
        run.killHard()
        let ids = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("containers").path)
        let id = try #require(ids.first, "SIGKILL leaves the container's directory")
        let left = Leftovers.of(root: root)
        let tag = RunFixture.cgroupTag(root: root)
        let expected: [(String, (String) -> Bool)] = [
            ("its directory", { $0 == root.appendingPathComponent("containers/\(id)").path }),
            ("its runc state", { $0 == root.appendingPathComponent("runtime/runc/\(id)").path }),
            ("its cgroups", { $0.hasPrefix("/sys/fs/cgroup/") && $0.hasSuffix("/securerun/\(tag)-\(id)") }),
            ("its rootfs mount", { $0.hasPrefix("mount ") && $0.contains("/containers/\(id)/") }),
            ("its network namespace", { $0 == "netns /run/netns/securerun-\(tag)-\(id)" }),
            ("its veth host end", { $0.hasPrefix("interface ") && $0.hasSuffix("(securerun \(tag) \(id))") }),
        ]
        for (what, matches) in expected {
            #expect(left.contains(where: matches), "\(what) is not listed: \(left)")
        }
        let gc = try network.cli.run(["gc"])
        #expect(gc.status == 0, "\(gc)")
        #expect(Leftovers.of(root: root).isEmpty, "\(Leftovers.of(root: root))")
    }
}
