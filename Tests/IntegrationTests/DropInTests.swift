import Foundation
import TestSupport
import Testing

/// Issue 10: `securerun docker …` and a `docker` symlink to securerun.
@Suite("drop-in docker: run and create hardened, loosening refused, the rest passed through", .sharedHost)
struct DropInTests {
    struct Setup {
        let root: ContainerLifecycleTests.Root
        var cli: CLI { root.cli }

        init(_ fixture: RunFixture) throws {
            root = try ContainerLifecycleTests.Root(fixture)
        }

        /// `securerun docker ARGS` under the fixture's test profile.
        func docker(_ arguments: [String], stdin: String? = nil) throws -> CLIResult {
            try cli.run(["docker"] + arguments, stdin: stdin, environment: ["SECURERUN_PROFILE": root.profile])
        }
    }

    @Test(
        "commands securerun does not handle pass through with docker's own output and exit code",
        arguments: [
            ["version", "--format", "{{.Server.Version}}"], ["ps", "-a", "--filter", "name=^nothing-here$"], ["images", "-q", "nothing/here"],
            ["inspect", "nothing-here"], ["logs", "nothing-here"],
        ])
    func passThrough(arguments: [String]) throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try Setup(fixture)
        let ours = try setup.docker(arguments)
        let real = try CLI.exec("docker", arguments)
        #expect(ours.status == real.status, "\(ours) vs \(real)")
        #expect(ours.stdout == real.stdout, "\(ours) vs \(real)")
        #expect(ours.stderr == real.stderr, "\(ours) vs \(real)")
    }

    @Test("docker run through securerun is hardened, shows in docker ps by its --name, and the docker CLI works on it")
    func runThroughTheDropIn() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try Setup(fixture)
        let foreground = try setup.docker(["run", "--rm", setup.root.image, "sh", "-c", "id -u; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status"])
        #expect(foreground.status == 0, "\(foreground)")
        #expect(foreground.stdout == "65534\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n", "\(foreground)")
        let name = "dropin-\(UUID().uuidString.prefix(6).lowercased())"
        let detached = try setup.docker(["run", "-d", "--name", name, setup.root.image, "sh", "-c", "echo hello; sleep 60"])
        #expect(detached.status == 0, "\(detached)")
        let engineID = detached.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(engineID.count == 64 && engineID.allSatisfy(\.isHexDigit), "docker run -d prints the engine's id: \(detached)")
        let ps = try CLI.exec("docker", ["ps", "--filter", "name=^\(name)$", "--format", "{{.ID}} {{.Names}}"])
        #expect(ps.stdout == "\(engineID.prefix(12)) \(name)\n", "\(ps)")
        var logs = try CLI.exec("docker", ["logs", name])
        try Wait.until(interval: 0.1) {
            logs = try CLI.exec("docker", ["logs", name])
            return logs.stdout.contains("hello")
        }
        #expect(logs.stdout == "hello\n", "\(logs)")
        let refused = try setup.docker(["run", "--privileged", setup.root.image, "true"])
        #expect(refused.status == 125 && refused.stderr.contains("SR009"), "\(refused)")
        let unknown = try setup.docker(["run", "--frobnicate", setup.root.image, "true"])
        #expect(unknown.status == 125 && unknown.stderr.contains("--frobnicate"), "\(unknown)")
        #expect(try CLI.exec("docker", ["rm", "-f", name]).status == 0)
    }

    // The attacks: exec as a way to root or privileges, update to lift the limits, a network connect to put
    // a network-none container on a network.
    @Test("exec --privileged, exec as root, update raising a limit and network connect are refused on securerun's containers")
    func loosening() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try Setup(fixture)
        let name = "guarded-\(UUID().uuidString.prefix(6).lowercased())"
        #expect(try setup.docker(["run", "-d", "--name", name, setup.root.image, "sleep", "60"]).status == 0)
        defer { _ = try? CLI.exec("docker", ["rm", "-f", name]) }
        for arguments in [
            ["exec", "--privileged", name, "id"], ["exec", "-u", "0", name, "id"], ["exec", "-u", "root", name, "id"], ["exec", "-itu", "0:0", name, "id"],
            ["container", "exec", "--user=1000:0", name, "id"], ["update", "--memory", "2g", name], ["update", "--pids-limit", "100000", name],
            ["update", "--cpus", "8", name], ["update", "--restart", "always", name], ["network", "connect", "bridge", name],
        ] {
            let result = try setup.docker(arguments)
            #expect(result.status == 125 && result.stderr.contains("refused"), "\(arguments): \(result)")
        }
        let allowed = try setup.docker(["exec", name, "id", "-u"])
        #expect(allowed.status == 0 && allowed.stdout == "65534\n", "\(allowed)")
        let lowered = try setup.docker(["update", "--memory", "100m", name])
        #expect(lowered.status == 0, "\(lowered)")
        let memory = try CLI.exec("docker", ["inspect", "--format", "{{.HostConfig.Memory}}", name])
        #expect(memory.stdout == "\(100 << 20)\n", "\(memory)")
    }

    @Test("a docker symlink to securerun is the drop-in; docker-alias prints the alias for each shell")
    func symlinkAndAlias() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try Setup(fixture)
        let bin = setup.root.isolated.temp.url.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("docker").path, withDestinationPath: CLI.binary)
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let environment = ["SECURERUN_ROOT": setup.cli.root.path, "PATH": path, "SECURERUN_PROFILE": setup.root.profile]
        let hardened = try CLI.exec("docker", ["run", "--rm", setup.root.image, "id", "-u"], environment: environment)
        #expect(hardened.status == 0 && hardened.stdout == "65534\n", "\(hardened)")
        let passed = try CLI.exec("docker", ["version", "--format", "{{.Server.Version}}"], environment: environment)
        #expect(passed.status == 0 && !passed.stdout.isEmpty, "\(passed)")
        for (shell, expected) in [("bash", "alias docker='"), ("zsh", "alias docker='"), ("fish", "alias docker '")] {
            let alias = try setup.cli.run(["docker-alias", "--shell", shell])
            #expect(alias.stdout.hasPrefix(expected) && alias.stdout.contains(" docker"), "\(alias)")
        }
    }

    @Test("-it through the drop-in gives a working terminal")
    func interactiveTerminal() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try Setup(fixture)
        let script = setup.root.isolated.temp.url.appendingPathComponent("drive_terminal.py")
        try ContainerLifecycleTests.ptyDriver.write(to: script, atomically: true, encoding: .utf8)
        let result = try CLI.exec(
            "python3", [script.path, CLI.binary, "docker", "run", "-it", "--rm", setup.root.image, "sh"],
            environment: ["SECURERUN_ROOT": setup.cli.root.path, "SECURERUN_PROFILE": setup.root.profile], timeout: 30)
        #expect(result.stdout.contains("PROMPT ok") && result.stdout.contains("TTY /dev/pts/") && result.stdout.contains("EXIT 5"), "\(result)")
        #expect(result.stdout.contains("RESIZED 40 120") && result.stdout.contains("MODE restored"), "\(result)")
    }
}
