import Foundation
import Testing

/// Issue 17: `-l/--label` given through the drop-in or `run --runtime docker` stayed in securerun's record
/// and never reached the engine's container, so `docker ps --filter label=…` and tools that read engine
/// labels (reverse proxies, updaters) saw nothing. securerun's own `securerun.*` labels stay its own.
@Suite("docker backend: labels reach the engine's container", .sharedHost)
struct DockerLabelTests {
    @Test("run --runtime docker -l and the drop-in's docker run -l: docker ps --filter label= finds the container")
    func labelsReachTheEngine() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let value = UUID().uuidString.prefix(8).lowercased()
        let direct = "labelled-\(value)"
        let dropIn = "dropin-\(value)"
        defer {
            _ = try? root.cli.run(["rm", "-f", direct])
            _ = try? root.cli.run(["rm", "-f", dropIn])
        }
        let labelFile = root.isolated.temp.url.appendingPathComponent("labels")
        try "from.file=yes\n".write(to: labelFile, atomically: true, encoding: .utf8)
        _ = try root.detach(
            ["--runtime", "docker", "--name", direct, "-l", "test.run=\(value)", "--label", "role=web", "--label-file", labelFile.path], ["sleep", "60"])
        let started = try root.cli.run(
            ["docker", "run", "-d", "--name", dropIn, "-l", "test.run=\(value)", "-l", "role=proxy", root.image, "sleep", "60"],
            environment: ["SECURERUN_PROFILE": root.profile])
        #expect(started.status == 0, "\(started)")
        let listed = try CLI.exec("docker", ["ps", "--filter", "label=test.run=\(value)", "--format", "{{.Names}} {{.Label \"role\"}}"])
        #expect(Set(listed.stdout.split(separator: "\n").map(String.init)) == ["\(direct) web", "\(dropIn) proxy"], "\(listed)")
        let inspected = try CLI.exec("docker", ["inspect", "--format", "{{json .Config.Labels}}", direct])
        let labels = try #require(try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: String], "\(inspected)")
        #expect(labels["from.file"] == "yes" && labels["role"] == "web" && labels["securerun.profile"] == "unattested", "\(labels)")
        #expect(labels["securerun.id"]?.count == 32, "\(labels)")
    }

    // The attack: pass securerun's own label so the drop-in and audit take the container for another one.
    @Test("a user label under securerun. is refused, through run and through the drop-in, before the engine sees anything")
    func securerunLabelsAreSecurerunsOwn() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let name = "forged-\(UUID().uuidString.prefix(8).lowercased())"
        let forged = "securerun.id=00000000000000000000000000000000"
        let direct = try root.cli.run(["run", "--runtime", "docker", "--profile", root.profile, "--name", name, "-l", forged, root.image, "true"])
        #expect(direct.status == 125 && direct.stderr.contains("-l \(forged)") && direct.stderr.contains("securerun's own"), "\(direct)")
        let dropIn = try root.cli.run(
            ["docker", "run", "--name", name, "--label", "Securerun.Profile=none", root.image, "true"], environment: ["SECURERUN_PROFILE": root.profile])
        #expect(dropIn.status == 125 && dropIn.stderr.contains("securerun's own"), "\(dropIn)")
        let engine = try CLI.exec("docker", ["ps", "-a", "--filter", "name=^\(name)$", "--format", "{{.Names}}"])
        #expect(engine.status == 0 && engine.stdout.isEmpty, "\(engine)")
    }
}
