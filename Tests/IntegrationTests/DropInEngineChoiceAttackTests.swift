import Foundation
import Testing

/// Issue 17, finding 4: with `DOCKER_HOST=tcp://…` the drop-in could not inspect the engine, took that for
/// "not a securerun container" and handed the guarded command to the real docker unchecked. The same
/// happened for a container named in a spelling securerun's lookup skipped (`/NAME`, which docker finds).
/// A guarded command that cannot be judged is now refused.
@Suite("drop-in: a guarded command securerun cannot judge is refused, never handed over", .sharedHost)
struct DropInEngineChoiceAttackTests {
    @Test("another engine (DOCKER_HOST, DOCKER_CONTEXT, the config's current context, -H) or none answering: every guarded command is refused")
    func otherEngines() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try DropInTests.Setup(fixture)
        let name = "engine-\(UUID().uuidString.prefix(6).lowercased())"
        #expect(try setup.docker(["run", "-d", "--name", name, setup.root.image, "sleep", "120"]).status == 0)
        defer { _ = try? CLI.exec("docker", ["rm", "-f", name]) }
        let config = setup.root.isolated.temp.url.appendingPathComponent("docker-config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try #"{"currentContext": "elsewhere"}"#.write(to: config.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let silent = setup.root.isolated.temp.url.appendingPathComponent("no-engine.sock").path
        let environments: [[String: String]] = [
            ["DOCKER_HOST": "tcp://127.0.0.1:1"], ["DOCKER_HOST": "ssh://user@127.0.0.1"], ["DOCKER_CONTEXT": "elsewhere"], ["DOCKER_CONFIG": config.path],
            ["DOCKER_HOST": "unix://\(silent)"],
        ]
        let commands = [
            ["exec", "-u", "0", name, "id"], ["update", name, "--pids-limit", "100000"], ["start", name], ["restart", name],
            ["network", "connect", "bridge", name],
            ["container", "exec", "--privileged", name, "id"],
        ]
        for environment in environments {
            for command in commands {
                let result = try setup.cli.run(["docker"] + command, environment: environment.merging(["SECURERUN_PROFILE": setup.root.profile]) { $1 })
                // Refused with the rule lint --explain explains.
                #expect(
                    result.status == 125 && result.stderr.contains("refused") && result.stderr.contains("[SR029 local-engine]") && result.stdout.isEmpty,
                    "\(environment) \(command): \(result)")
            }
        }
        for globals in [["-H", "tcp://127.0.0.1:1"], ["--context", "elsewhere"], ["--config", config.path]] {
            let result = try setup.docker(globals + ["exec", "-u", "0", name, "id"])
            #expect(result.status == 125 && result.stderr.contains("refused") && result.stderr.contains("[SR029 local-engine]"), "\(globals): \(result)")
        }
        // Nothing of that reached the container.
        let limit = try CLI.exec("docker", ["inspect", "--format", "{{.HostConfig.PidsLimit}} {{.State.Running}}", name])
        #expect(!limit.stdout.hasPrefix("100000") && limit.stdout.hasSuffix("true\n"), "\(limit)")
    }

    // docker finds `/NAME` as NAME; securerun's lookup used to skip any name with a '/', so the container
    // counted as not securerun's.
    @Test("a container named as /NAME, or in a spelling securerun cannot look up, is judged or refused, never handed over")
    func namesDockerFindsToo() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try DropInTests.Setup(fixture)
        let name = "slash-\(UUID().uuidString.prefix(6).lowercased())"
        #expect(try setup.docker(["run", "-d", "--name", name, setup.root.image, "sleep", "120"]).status == 0)
        defer { _ = try? CLI.exec("docker", ["rm", "-f", name]) }
        for command in [
            ["exec", "-u", "0", "/\(name)", "id"], ["exec", "--privileged", "/\(name)", "id"], ["update", "/\(name)", "--memory", "4g"],
            ["exec", "-u", "0", "\(name)?x", "id"], ["exec", "-u", "0", "./\(name)", "id"],
        ] {
            let result = try setup.docker(command)
            #expect(result.status == 125 && result.stderr.contains("refused") && !result.stdout.contains("uid=0"), "\(command): \(result)")
        }
        let allowed = try setup.docker(["exec", "/\(name)", "id", "-u"])
        #expect(allowed.status == 0 && allowed.stdout == "65534\n", "\(allowed)")
    }
}
