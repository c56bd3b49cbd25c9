import Foundation
import Testing

/// `--dry-run` prints what the backend would be handed: runc's config.json (valid against the OCI
/// runtime-spec schema), or the Docker Engine's create body.
@Suite("securerun run --dry-run")
struct DryRunTests {
    static let schemaDirectory = "/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema"

    @Test("output validates against the runtime-spec schema and carries the floor; nothing starts")
    func validAgainstSchema() throws {
        guard let fixture = RunFixture.available() else { return }
        let python = (ProcessInfo.processInfo.environment["SECURERUN_TEST_VENV"] ?? "/var/cache/securerun/test-venv") + "/bin/python"
        guard Requirements.met(tools: [], needsRoot: false) else { return }
        if !FileManager.default.fileExists(atPath: Self.schemaDirectory + "/config-schema.json") || !FileManager.default.isExecutableFile(atPath: python) {
            let message = "needs golang-github-opencontainers-specs-dev and the test venv (scripts/test installs them)"
            Requirements.skip(message)
            return
        }
        // A state root of its own, so "nothing starts" is checked on everything this run could have made.
        let own = try RunMountTests.Isolated(fixture)
        let result = try own.run(["--dry-run", "--memory", "64m", "--name", "dry-run-check"], ["/probe", "write", "/tmp/x"])
        #expect(result.status == 0, "\(result)")
        let config = own.temp.url.appendingPathComponent("dry-run-config.json")
        try result.stdout.write(to: config, atomically: true, encoding: .utf8)
        let validator = CLI.packageRoot.appendingPathComponent("Tests/tools/validate-runtime-spec.py").path
        let validation = try CLI.exec(python, [validator, Self.schemaDirectory, config.path])
        #expect(validation.status == 0, "\(validation)")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let process = try #require(json["process"] as? [String: Any])
        #expect((process["user"] as? [String: Any])?["uid"] as? Int == 65534)
        #expect(process["noNewPrivileges"] as? Bool == true)
        #expect(((process["capabilities"] as? [String: Any])?["bounding"] as? [String])?.isEmpty == true)
        #expect((json["root"] as? [String: Any])?["readonly"] as? Bool == true)
        let linux = try #require(json["linux"] as? [String: Any])
        #expect(((linux["resources"] as? [String: Any])?["memory"] as? [String: Any])?["limit"] as? Int == 64 << 20)
        #expect((linux["seccomp"] as? [String: Any])?["defaultAction"] as? String == "SCMP_ACT_ERRNO")
        #expect(Leftovers.of(root: own.cli.root).isEmpty, "\(Leftovers.of(root: own.cli.root))")
    }

    @Test("on the docker backend it prints the engine's create body: the floor, the image by id, each volume from its staging path")
    func dockerBackendPrintsTheCreateBody() throws {
        guard let fixture = RunFixture.available() else { return }
        let own = try RunMountTests.Isolated(fixture)
        let data = own.temp.url.appendingPathComponent("dry-volume")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        // No engine is asked: a dry run creates nothing anywhere.
        let result = try own.run(
            ["--dry-run", "--runtime", "docker", "--memory", "64m", "--name", "dry-docker", "-v", "\(data.path):/data:ro"], ["/probe", "write", "/tmp/x"])
        #expect(result.status == 0, "\(result)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        #expect(body["User"] as? String == "65534:65534")
        #expect((body["Image"] as? String)?.hasPrefix("sha256:") == true, "the engine gets the image id, never a name: \(body["Image"] ?? "")")
        #expect(body["process"] == nil, "not runc's config.json")
        let host = try #require(body["HostConfig"] as? [String: Any])
        #expect(host["ReadonlyRootfs"] as? Bool == true && host["CapDrop"] as? [String] == ["ALL"] && host["Memory"] as? Int == 64 << 20)
        #expect((host["SecurityOpt"] as? [String])?.contains("no-new-privileges:true") == true)
        #expect(host["NetworkMode"] as? String == "none")
        let binds = try #require(host["Binds"] as? [String])
        #expect(binds.count == 1 && binds[0].hasPrefix(own.cli.root.appendingPathComponent("containers/dry-docker/volumes/0").path), "\(binds)")
        #expect(Leftovers.of(root: own.cli.root).isEmpty, "\(Leftovers.of(root: own.cli.root))")
    }
}
