import Foundation
import Testing

/// `securerun image ls` reports each image's attestation state under a profile.
@Suite("securerun image ls: attestation state")
struct ImageListTests {
    @Test("none, then refused for a blocking report, then admitted when a newer clean scan is attested")
    func attestationColumn() throws {
        guard Requirements.met(tools: ["busybox"], needsRoot: false) else { return }
        let temp = try TemporaryDirectory("securerun-ls-it")
        let cli = CLI(root: temp.url.appendingPathComponent("state"))
        let rootfs = temp.url.appendingPathComponent("rootfs/bin")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: rootfs.appendingPathComponent("busybox").path)
        #expect(try cli.run(["image", "import", "--rootfs", rootfs.deletingLastPathComponent().path, "--tag", "ls/app:1"]).status == 0)

        func column() throws -> String {
            let listed = try cli.run(["image", "ls"])
            #expect(listed.status == 0, "\(listed)")
            let lines = listed.stdout.split(separator: "\n")
            #expect(lines.first?.hasSuffix("ATTESTATION") == true)
            return lines.dropFirst().first.map { String($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst(6).joined(separator: " ")) } ?? ""
        }
        #expect(try column() == "none")

        let key = temp.url.appendingPathComponent("ci").path
        #expect(try cli.run(["key", "generate", "--out", key]).status == 0)
        #expect(try cli.run(["key", "trust", key + ".pub"]).status == 0)
        // A real Trivy report with a CRITICAL vulnerability (scanned in the past, of another image: --force).
        let critical = CLI.packageRoot.appendingPathComponent("Tests/AdmissionTests/Fixtures/trivy-debian-buster.json").path
        #expect(try cli.run(["image", "attest", "ls/app:1", "--report", critical, "--key", key + ".key", "--force"]).status == 0)
        #expect(try column() == "1, refused")

        let clean = temp.url.appendingPathComponent("clean.json")
        let now = ISO8601DateFormatter().string(from: Date())
        try #"{"SchemaVersion":2,"CreatedAt":"\#(now)","ArtifactName":"ls/app:1","ArtifactType":"container_image","Results":[]}"#
            .write(to: clean, atomically: true, encoding: .utf8)
        #expect(try cli.run(["image", "attest", "ls/app:1", "--report", clean.path, "--key", key + ".key"]).status == 0)
        #expect(try column() == "2, admitted")

        let json = try cli.run(["image", "ls", "--json", "--profile", "production"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let attestation = try #require(entries.first?["attestation"] as? [String: Any])
        #expect(attestation["count"] as? Int == 2)
        #expect(attestation["profile"] as? String == "production")
        #expect(attestation["admitted"] as? Bool == true)

        // A profile that cannot be read does not hide the images; the column says the verdict is unknown.
        let broken = try cli.run(["image", "ls", "--profile", temp.url.appendingPathComponent("missing.yaml").path])
        #expect(broken.status == 0, "\(broken)")
        #expect(broken.stdout.contains("2, unknown"), "\(broken)")
        let brokenJSON = try cli.run(["image", "ls", "--json", "--profile", temp.url.appendingPathComponent("missing.yaml").path])
        let brokenEntries = try #require(try JSONSerialization.jsonObject(with: Data(brokenJSON.stdout.utf8)) as? [[String: Any]])
        let reason = (brokenEntries.first?["attestation"] as? [String: Any])?["reason"] as? String ?? ""
        #expect(reason.hasPrefix("profile not readable: cannot read profile"), "\(reason)")
    }
}
