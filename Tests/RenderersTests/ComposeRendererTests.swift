import Foundation
import Testing

@testable import Lint
@testable import Policy
@testable import Renderers

/// The exported service carries exactly the profile's floor, and lint (which judges compose services by the
/// rules the engine plugin refuses with) finds nothing in it.
@Suite("Renderers: compose")
struct ComposeRendererTests {
    @Test("the default profile's service has every floor key at the profile's value, and lint finds nothing", arguments: ["default", "production"])
    func exportedServiceIsClean(profileName: String) throws {
        let profile = try ProfileLoader.load(profileName)
        let text = try ComposeRenderer.render(
            profile: profile, service: "web", image: .init(reference: "sha256:" + String(repeating: "a", count: 64), note: "pinned"),
            defaults: ImageDefaults(cmd: ["/bin/sh"]))
        for key in [
            "user: \"\(profile.user)\"", "read_only: true", "cap_drop: [\"ALL\"]", "\"no-new-privileges:true\"",
            "\"seccomp=\(profile.seccompPath.path)\"", "mem_limit: \"\(profile.memory)\"", "memswap_limit: \"\(profile.memorySwap)\"",
            "pids_limit: \(profile.pidsLimit)", "network_mode: none", "image: \"sha256:",
        ] {
            #expect(text.contains(key), "\(key) in\n\(text)")
        }
        // The host the service was exported on: its rlimits are the profile's, at most this host's own.
        let host = HostFacts.current()
        let report = Linter(profile: profile, host: host).lint(
            Array(text.utf8), file: "compose.yaml", url: FileManager.default.temporaryDirectory.appendingPathComponent("compose.yaml"))
        #expect(report.kind == .compose)
        #expect(report.findings.filter(\.counts).isEmpty, "\(report.findings)\n\(text)")
    }

    @Test("strings are quoted as YAML reads them back")
    func quoting() {
        #expect(ComposeRenderer.quoted("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"")
        #expect(ComposeRenderer.cpus(quota: 50_000, period: 100_000) == "0.5")
        #expect(ComposeRenderer.cpus(quota: 100_000, period: 100_000) == "1.0")
    }
}
