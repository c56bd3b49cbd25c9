import Foundation
import Testing

/// Issue 17, finding 11: `image verify` skipped the profile's allowedRegistries rule that `run` applies,
/// so it said "admitted" for a pulled image `run` refused. One admission decision now serves run,
/// verify and audit: each refuses such an image with the same message.
@Suite("one admission decision: verify, run and audit agree on an image from a registry the profile does not allow", .serialized)
struct AdmissionAgreementTests {
    @Test("a pulled image from a registry outside allowedRegistries: verify, run and audit refuse it with the same rule and message")
    func verifyRunAndAuditRefuseAnImageFromADisallowedRegistry() throws {
        guard let fixture = RunFixture.available(), Requirements.met(tools: ["docker-registry", "skopeo"]) else { return }
        let directory = try TemporaryDirectory("securerun-admission-agreement")
        let registry = try LocalRegistry(in: directory.url)
        _ = try RegistryPullCLITests.publish(fixture.rootfs, image: "agree/app:1", to: registry, repository: "agree/app", in: directory.url)
        let reference = "\(registry.host)/agree/app:1"
        let cli = CLI(root: directory.url.appendingPathComponent("consumer"))
        let open = try RunFixture.writeProfile(in: directory.url, name: "open", extra: "")
        let restricted = try RunFixture.writeProfile(in: directory.url, name: "restricted", extra: "allowedRegistries: [registry.invalid]")
        let pulled = try cli.run(["image", "pull", "--insecure", "--profile", open, reference], timeout: 120)
        #expect(pulled.status == 0, "\(pulled)")
        // Under the open profile both admit it (unattested images are admitted there): the refusal below is the registry rule's.
        #expect(try cli.run(["image", "verify", "--profile", open, reference]).status == 0)

        let message =
            "refusing to run \(reference): registry \(registry.host) is not in profile \"restricted\" allowedRegistries (registry.invalid) [SR027 image-admission]"
        let run = try cli.run(["run", "--profile", restricted, reference, "/bin/busybox", "echo", "started"])
        #expect(run.status == 125 && run.stdout.isEmpty && run.stderr == "securerun: \(message)\n", "\(run)")

        let verify = try cli.run(["image", "verify", "--profile", restricted, reference])
        #expect(verify.status == 1, "\(verify)")
        #expect(verify.stdout.hasPrefix("refused: \(reference)") && verify.stdout.contains("  - \(message)\n"), "\(verify)")
        let json = try cli.run(["image", "verify", "--json", "--profile", restricted, reference])
        let verdict = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(json.status == 1 && verdict?["admitted"] as? Bool == false && verdict?["reasons"] as? [String] == [message], "\(json)")

        // A container started under the open profile, audited against the restricted one.
        let name = "agree-\(UUID().uuidString.prefix(8).lowercased())"
        let started = try cli.run(["run", "-d", "--name", name, "--profile", open, reference, "/bin/busybox", "sleep", "60"])
        defer { _ = try? cli.run(["rm", "-f", name]) }
        #expect(started.status == 0, "\(started)")
        let audit = try cli.run(["audit", "--profile", restricted])
        #expect(audit.status == 1 && audit.stdout.contains("\(name): AUD001 no longer admitted: \(message)"), "\(audit)")
    }
}
