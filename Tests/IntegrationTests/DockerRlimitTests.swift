import Foundation
import Testing

/// Issue 17, finding 6: the docker backend gave containers dockerd's rlimits (its `default-ulimits`),
/// which securerun never judged, while `--ulimit` was judged against securerun's own. Both backends now
/// give a container the same limits: securerun's own, lowered where `--ulimit` asks.
@Suite("docker backend: the rlimits a runc container gets", .sharedHost)
struct DockerRlimitTests {
    /// `securerun ARGUMENTS` run with its own open-files limit lowered to `nofile` (soft and hard), as a
    /// user's shell or a systemd unit would set it.
    static func run(_ root: ContainerLifecycleTests.Root, nofile: Int, _ arguments: [String]) throws -> CLIResult {
        try CLI.exec(
            "/bin/sh", ["-c", "ulimit -n \(nofile) && exec \"$0\" \"$@\"", CLI.binary] + arguments, environment: ["SECURERUN_ROOT": root.cli.root.path],
            timeout: 120)
    }

    @Test("/proc/self/limits in a docker-backend container is a runc container's, with and without --ulimit")
    func sameLimitsAsRunc() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        for extra in [[], ["--ulimit", "nofile=600:700", "--ulimit", "nproc=500"]] {
            var seen: [String: String] = [:]
            for runtime in ["runc", "docker"] {
                let result = try Self.run(
                    root, nofile: 800, ["run", "--runtime", runtime, "--profile", root.profile] + extra + [root.image, "cat", "/proc/self/limits"])
                #expect(result.status == 0, "\(runtime) \(extra): \(result)")
                seen[runtime] = result.stdout
            }
            let runc = seen["runc"] ?? "", docker = seen["docker"] ?? ""
            #expect(!runc.isEmpty && runc == docker, "\(extra): runc\n\(runc)\ndocker\n\(docker)")
            let openFiles = extra.isEmpty ? "800                  800" : "600                  700"
            #expect(docker.contains("Max open files            \(openFiles)"), "\(extra): \(docker)")
        }
    }

    @Test("--ulimit above securerun's own is refused on the docker backend as on runc, before the engine sees it")
    func raisingRefused() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let name = "rlimit-\(UUID().uuidString.prefix(8).lowercased())"
        let refused = try Self.run(
            root, nofile: 800, ["run", "--runtime", "docker", "--profile", root.profile, "--name", name, "--ulimit", "nofile=900", root.image, "true"])
        #expect(refused.status == 125 && refused.stderr.contains("--ulimit nofile=900") && refused.stderr.contains("may only be lowered"), "\(refused)")
        let engine = try CLI.exec("docker", ["ps", "-a", "--filter", "name=^\(name)$", "--format", "{{.Names}}"])
        #expect(engine.status == 0 && engine.stdout.isEmpty, "\(engine)")
    }
}
