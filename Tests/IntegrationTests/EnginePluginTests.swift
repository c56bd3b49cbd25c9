import Foundation
import Testing

/// Issue 19: securerun as the Docker Engine's authorization plugin. Every client of the engine (the
/// docker CLI, docker-compose, the Python SDK, raw HTTP) meets the same profile, rule ids and admission
/// gate as `securerun run`.
@Suite("engine plugin: the floor enforced by the Docker Engine itself", .serialized)
struct EnginePluginTests {
    static let denied = "authorization denied by plugin"

    func expectRefused(_ result: CLIResult, _ needle: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(Self.denied) && result.stderr.contains(needle), "\(needle): \(result)", sourceLocation: sourceLocation)
    }

    @Test("docker run with the floor's flags of an admitted image runs, under the uid it asked for")
    func compliantRunRuns() throws {
        guard let engine = EnginePluginFixture.available() else { return }
        #expect(try engine.health().stdout.contains("plugin-it"))
        let result = try engine.docker(["run", "--rm"] + engine.floor + [engine.image, "id", "-u"], timeout: 120)
        #expect(result.status == 0 && result.stdout == "1000\n", "\(result)\n\(engine.pluginLog.suffix(2000))")
    }

    @Test(
        "every loosening is refused with its rule id",
        arguments: [
            (["--privileged"], "SR009"), (["--cap-add", "SYS_ADMIN"], "SR002"), (["--read-only=false"], "SR003"),
            (["--security-opt", "seccomp=unconfined"], "SR005"), (["--user", "0:0"], "SR001"), (["--user", "root"], "SR001"),
            (["-m", "1g", "--memory-swap", "1g"], "SR006"), (["--pids-limit", "10000"], "SR008"), (["--pid", "host"], "SR015"),
            (["--network", "host"], "SR012"), (["-v", "/:/host:ro"], "SR010"), (["--device", "/dev/mem"], "SR016"),
            (["--tmpfs", "/run:size=16m,exec"], "SR011"), (["--restart", "always"], "SR033"),
        ])
    func looseningsAreRefused(flags: [String], rule: String) throws {
        guard let engine = EnginePluginFixture.available() else { return }
        // Later flags win in docker's grammar, so each loosening follows the floor.
        expectRefused(try engine.docker(["create"] + engine.floor + flags + [engine.image, "true"]), rule)
    }

    @Test("a create that leaves a piece of the floor out is refused, naming the field and the flag to add")
    func missingFloorIsRefused() throws {
        guard let engine = EnginePluginFixture.available() else { return }
        let result = try engine.docker(["create", "--user", "1000:1000", engine.image, "true"])
        expectRefused(result, "HostConfig.ReadonlyRootfs")
        #expect(result.stderr.contains("--read-only") && result.stderr.contains("(compose: read_only)"), "\(result)")
        var noSeccomp = engine.floor
        if let index = noSeccomp.firstIndex(where: { $0.hasPrefix("seccomp=") }) { noSeccomp.removeSubrange((index - 1)...index) }
        expectRefused(try engine.docker(["create"] + noSeccomp + [engine.image, "true"]), "SR005")
    }

    @Test("an image that is not admitted is refused at create: unattested in the store, or only in the engine")
    func unadmittedImagesAreRefusedAtCreate() throws {
        guard let engine = EnginePluginFixture.available() else { return }
        let rootfs = engine.directory.appendingPathComponent("other-rootfs")
        try TestImages.busyboxRootfs(at: rootfs)
        try "other".write(to: rootfs.appendingPathComponent("etc/other"), atomically: true, encoding: .utf8)
        try expectSuccess(engine.cli.run(["image", "import", "--rootfs", rootfs.path, "--tag", "test/unattested:1"]))
        try engine.load("test/unattested:1")
        expectRefused(try engine.docker(["create"] + engine.floor + ["test/unattested:1", "true"]), "not admitted")
        // An image the engine has and securerun's store does not.
        let tar = try CLI.exec("tar", ["-C", rootfs.path, "-cf", engine.directory.appendingPathComponent("other.tar").path, "."])
        try expectSuccess(tar)
        try expectSuccess(engine.docker(["import", engine.directory.appendingPathComponent("other.tar").path, "test/engine-only:1"]))
        expectRefused(try engine.docker(["create"] + engine.floor + ["test/engine-only:1", "/bin/true"]), "not the config of any image in securerun's store")
        // Re-pointing the admitted name at it changes nothing: names are never admitted, ids are.
        try expectSuccess(engine.docker(["tag", "test/engine-only:1", "test/retagged:1"]))
        expectRefused(try engine.docker(["create"] + engine.floor + ["test/retagged:1", "/bin/true"]), "not the config")
    }

    @Test("an image whose attestation is removed between create and start is refused at start")
    func attestationRemovedBeforeStart() throws {
        guard let engine = EnginePluginFixture.available() else { return }
        let name = "between-\(UUID().uuidString.prefix(6).lowercased())"
        try expectSuccess(engine.docker(["create", "--name", name] + engine.floor + [engine.image, "true"]))
        try expectSuccess(engine.cli.run(["image", "attestation", "rm", engine.image, "--all"]))
        defer { _ = try? engine.admission.attest("trivy-alpine-310.json") }
        expectRefused(try engine.docker(["start", name]), "not admitted")
        try expectSuccess(engine.admission.attest("trivy-alpine-310.json"))
        #expect(try engine.docker(["start", "-a", name], timeout: 120).status == 0)
        _ = try? engine.docker(["rm", "-f", name])
    }

    @Test("exec as root however spelt is refused; exec as a numeric non-root user runs")
    func execAsRootIsRefused() throws {
        guard let engine = EnginePluginFixture.available() else { return }
        let name = "exec-\(UUID().uuidString.prefix(6).lowercased())"
        try expectSuccess(engine.docker(["run", "-d", "--name", name] + engine.floor + [engine.image, "sleep", "60"], timeout: 120))
        defer { _ = try? engine.docker(["rm", "-f", name]) }
        for user in ["0", "root", "toor", "0:0", "1000:0", "root:root"] {
            expectRefused(try engine.docker(["exec", "-u", user, name, "id"]), "SR001")
        }
        expectRefused(try engine.docker(["exec", "--privileged", "-u", "1000:1000", name, "id"]), "SR009")
        let allowed = try engine.docker(["exec", "-u", "1000:1000", name, "id", "-u"])
        #expect(allowed.status == 0 && allowed.stdout == "1000\n", "\(allowed)")
        let own = try engine.docker(["exec", name, "id", "-u"])
        #expect(own.status == 0 && own.stdout == "1000\n", "\(own)")
        expectRefused(try engine.docker(["update", "--pids-limit", "1000", name]), "SR008")
        #expect(try engine.docker(["update", "--pids-limit", "32", name]).status == 0)
        expectRefused(try engine.docker(["update", "--restart", "always", name]), "SR033")
    }

    @Test("a local volume that binds the host's root is refused")
    func bindVolumeIsRefused() throws {
        guard let engine = EnginePluginFixture.available() else { return }
        expectRefused(try engine.docker(["volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", "device=/", "rootvol"]), "SR010")
        expectRefused(try engine.docker(["create"] + engine.floor + ["-v", "somevolume:/data", engine.image, "true"]), "SR010")
    }

    @Test("raw creates the plugin cannot read whole are refused: empty, chunked, oversized, duplicate keys, top-level HostConfig fields")
    func rawCreatesAreRefused() throws {
        guard let engine = EnginePluginFixture.available() else { return }
        let compliant = try JSONSerialization.data(withJSONObject: try engine.compliantBody())
        // The same body through the same socket is allowed, so what refuses the others is their form.
        let accepted = try engine.raw(
            EnginePluginFixture.createRequest(Array(compliant), headers: ["Content-Type: application/json", "Content-Length: \(compliant.count)"]))
        #expect(accepted.hasPrefix("HTTP/1.1 201"), "\(accepted)\n\(engine.pluginLog.suffix(1500))")
        if let id = accepted.split(separator: "\"").drop(while: { $0 != "Id" }).dropFirst(2).first { _ = try? engine.docker(["rm", "-f", String(id)]) }

        let empty = try engine.raw(EnginePluginFixture.createRequest([], headers: ["Content-Type: application/json", "Content-Length: 0"]))
        #expect(empty.hasPrefix("HTTP/1.1 403") && empty.contains("empty body"), "\(empty)")

        let chunk = String(compliant.count, radix: 16)
        let chunked = try engine.raw(
            EnginePluginFixture.createRequest(
                Array("\(chunk)\r\n".utf8) + Array(compliant) + Array("\r\n0\r\n\r\n".utf8),
                headers: ["Content-Type: application/json", "Transfer-Encoding: chunked"]))
        #expect(chunked.hasPrefix("HTTP/1.1 403") && chunked.contains("Content-Length"), "\(chunked)")

        var big = try engine.compliantBody()
        big["Labels"] = ["padding": String(repeating: "a", count: 1 << 20)]
        let oversized = try JSONSerialization.data(withJSONObject: big)
        let tooLarge = try engine.raw(
            EnginePluginFixture.createRequest(Array(oversized), headers: ["Content-Type: application/json", "Content-Length: \(oversized.count)"]))
        #expect(tooLarge.hasPrefix("HTTP/1.1 403") && tooLarge.contains("1 MiB"), "\(tooLarge.prefix(600))")

        let text = String(decoding: compliant, as: UTF8.self)
        let duplicated = Array(text.replacingOccurrences(of: #""HostConfig":{"#, with: #""HostConfig":{"Privileged":false,"Privileged":true,"#).utf8)
        let duplicate = try engine.raw(
            EnginePluginFixture.createRequest(duplicated, headers: ["Content-Type: application/json", "Content-Length: \(duplicated.count)"]))
        #expect(duplicate.hasPrefix("HTTP/1.1 403") && duplicate.contains("duplicate"), "\(duplicate)")

        var topLevel = try engine.compliantBody()
        topLevel["Privileged"] = true
        let wrapper = Array(try JSONSerialization.data(withJSONObject: topLevel))
        let wrapped = try engine.raw(
            EnginePluginFixture.createRequest(wrapper, headers: ["Content-Type: application/json", "Content-Length: \(wrapper.count)"]))
        #expect(wrapped.hasPrefix("HTTP/1.1 403") && wrapped.contains("top level"), "\(wrapped)")

        let encoded = try engine.raw(
            Array(
                "POST /v1.41/containers/%63reate HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: \(duplicated.count)\r\n\r\n".utf8
            )
                + duplicated)
        #expect(encoded.hasPrefix("HTTP/1.1 403"), "\(encoded)")
    }

    @Test("docker-compose up of a compliant file runs; a non-compliant one is refused naming the compose key")
    func composeMeetsTheSameRules() throws {
        guard let engine = EnginePluginFixture.available(), Requirements.met(tools: ["docker-compose"]) else { return }
        let project = engine.directory.appendingPathComponent("compose-ok")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        func write(_ extra: String, to directory: URL) throws {
            try """
            version: "2.4"
            services:
              app:
                image: \(engine.image)
                user: "1000:1000"
                read_only: true
                cap_drop: [ALL]
                security_opt: ["no-new-privileges:true", "seccomp=\(engine.seccompFile)"]
                mem_limit: 256m
                memswap_limit: 256m
                cpus: 0.5
                pids_limit: 64
                network_mode: none
                tmpfs: ["/tmp:size=16m"]
                command: ["id", "-u"]
            \(extra)
            """.write(to: directory.appendingPathComponent("docker-compose.yml"), atomically: true, encoding: .utf8)
        }
        let environment = ["DOCKER_HOST": "unix://\(engine.engineSocket)"]
        try write("", to: project)
        let up = try CLI.exec(
            "sh", ["-c", "cd '\(project.path)' && docker-compose up --no-color --abort-on-container-exit && docker-compose down"], environment: environment,
            timeout: 180)
        #expect(up.status == 0 && up.stdout.contains("1000"), "\(up)\n\(engine.pluginLog.suffix(1500))")

        let bad = engine.directory.appendingPathComponent("compose-bad")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try write("    privileged: true", to: bad)
        let refused = try CLI.exec(
            "sh", ["-c", "cd '\(bad.path)' && docker-compose up --no-color; s=$?; docker-compose down; exit $s"], environment: environment, timeout: 180)
        #expect(refused.status != 0 && (refused.stdout + refused.stderr).contains("(compose: privileged)"), "\(refused)")
        #expect((refused.stdout + refused.stderr).contains("SR009"), "\(refused)")
    }

    @Test("the Python docker SDK is refused the same way")
    func pythonSDKMeetsTheSameRules() throws {
        guard let engine = EnginePluginFixture.available(), Requirements.met(tools: ["python3"]) else { return }
        let script = """
            import docker, sys
            client = docker.DockerClient(base_url="unix://\(engine.engineSocket)")
            try:
                client.containers.create("\(engine.image)", "true", user="1000:1000", read_only=True, cap_drop=["ALL"],
                    security_opt=["no-new-privileges", "seccomp=" + open("\(engine.seccompFile)").read()],
                    mem_limit="256m", memswap_limit="256m", nano_cpus=500000000, pids_limit=64, network_mode="none", privileged=True)
            except docker.errors.APIError as error:
                print(error.explanation)
                sys.exit(3)
            sys.exit(0)
            """
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        let result = try CLI.exec(python, ["-c", script], timeout: 60)
        if result.stderr.contains("No module named 'docker'") {
            _ = Requirements.met(tools: ["python3-docker-module"])
            return
        }
        #expect(result.status == 3 && result.stdout.contains("SR009") && result.stdout.contains("(compose: privileged)"), "\(result)")
    }

    @Test("securerun's own docker backend passes the plugin: a staged volume, and a shaped network through its holder", .sharedHost)
    func ownBackendPasses() throws {
        guard let engine = EnginePluginFixture.available() else { return }
        let data = engine.directory.appendingPathComponent("own-volume")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try "kept\n".write(to: data.appendingPathComponent("note"), atomically: true, encoding: .utf8)
        let environment = ["DOCKER_HOST": "unix://\(engine.engineSocket)"]
        let plain = try engine.cli.run(
            ["run", "--runtime", "docker", "--profile", engine.profile, "--network", "none", engine.image, "id", "-u"], environment: environment,
            timeout: 120)
        #expect(plain.status == 0 && plain.stdout == "65534\n", "\(plain)\n\(engine.pluginLog.suffix(2000))")
        // The profile's private network: a holder securerun shapes, which the workload joins.
        let shaped = try engine.cli.run(
            ["run", "--runtime", "docker", "--profile", engine.profile, engine.image, "cat", "/proc/net/dev"], environment: environment, timeout: 120)
        let interfaces = shaped.stdout.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) }
        #expect(shaped.status == 0 && interfaces.contains { $0 != "lo" }, "\(shaped)\n\(engine.pluginLog.suffix(2000))")
        // A client that joins that holder itself is not securerun: refused, as any container: network is.
        expectRefused(try engine.docker(["create"] + engine.floor + ["--network", "container:\(engine.pluginName)-none", engine.image, "true"]), "SR012")
        let volume = try engine.cli.run(
            ["run", "--runtime", "docker", "--profile", engine.profile, "--network", "none", "-v", "\(data.path):/data:ro", engine.image, "cat", "/data/note"],
            environment: environment, timeout: 120)
        #expect(volume.status == 0 && volume.stdout == "kept\n", "\(volume)\n\(engine.pluginLog.suffix(2000))")
        // No claim outlives its create, for a later create to borrow.
        let claims = (FileManager.default.enumerator(atPath: engine.cli.root.appendingPathComponent("containers").path)?.allObjects as? [String] ?? [])
            .filter { $0.contains("engine-claim-") }
        #expect(claims.isEmpty, "\(claims)")
        // A client that names securerun's staging path itself is refused: only the container it was staged for may bind it.
        let staged = engine.cli.root.appendingPathComponent("containers").path
        expectRefused(try engine.docker(["create"] + engine.floor + ["-v", "\(staged):/data:ro", engine.image, "true"]), "SR010")
    }

    @Test("with the plugin stopped, dockerd refuses creates; started again, it allows them")
    func pluginDownRefusesEverything() throws {
        guard let engine = EnginePluginFixture.available() else { return }
        #expect(engine.stopPlugin(), "SIGTERM stops the plugin (bounded, whatever is in flight)")
        let refused = try engine.docker(["create"] + engine.floor + [engine.image, "true"])
        #expect(refused.status != 0, "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: engine.pluginSocket))
        try engine.startPlugin()
        let created = try engine.docker(["create"] + engine.floor + [engine.image, "true"])
        #expect(created.status == 0, "\(created)")
        _ = try? engine.docker(["rm", "-f", created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
    }
}
