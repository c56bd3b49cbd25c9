import Foundation
import Testing

/// `securerun run IMAGE cmd | head -1`: once the reader is gone, securerun's next relayed write raises
/// SIGPIPE. securerun does not ignore it, so it dies there without tearing anything down, and a container
/// that ignores SIGPIPE itself (or stops writing) runs on with nobody owning it: its overlay, cgroup and
/// runtime state stay until some later securerun command happens to sweep.
@Suite("a closed stdout never leaves an unowned container")
struct ClosedStdoutAttackTests {
    @Test("run | head -1: securerun outlives the closed pipe and tears the container down when it ends")
    func foregroundRunWithItsReaderGoneStillTearsDown() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try RunMountTests.Isolated(fixture)
        // Writes for about two seconds, ignoring SIGPIPE (as many servers do), then ends by itself.
        let script = "trap \"\" PIPE; i=0; while [ $i -lt 20 ]; do echo line $i; i=$((i+1)); sleep 0.1; done; exit 3"
        let command = "'\(CLI.binary)' run --profile '\(fixture.profile)' \(root.image) sh -c '\(script)' | head -1; echo status=${PIPESTATUS[0]} >&2"
        let result = try CLI.exec("/bin/bash", ["-c", command], environment: ["SECURERUN_ROOT": root.cli.root.path], timeout: 60)
        #expect(result.stdout == "line 0\n", "\(result)")
        #expect(!result.stderr.contains("status=141"), "securerun was killed by SIGPIPE: \(result)")
        // No securerun command ran since: whatever is left here, nobody owns.
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty, "left behind: \(RunFixture.leftovers(root: root.cli.root))")
        _ = try root.cli.run(["ps", "-a"])
    }
}
