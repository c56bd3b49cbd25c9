import Foundation
import Testing

/// One compose service of the corpus: the compliant service with some keys changed (nil removes one).
struct ComposeCase: Sendable, CustomTestStringConvertible {
    var name: String
    var changes: [String: String?]
    var testDescription: String { name }
}

/// Issue 19: `securerun export compose` writes what the plugin admits, and `securerun lint` of a compose file
/// and the plugin give the same verdict for every service of a corpus (a finding exactly when the plugin
/// refuses, under the same rule id). In the plugin's suite, so nothing stops its plugin meanwhile.
///
/// One difference is by design: lint reads a file, not an engine, so it cannot know whether the image a
/// service names is admitted (the plugin asks the engine for the image's id and the store for its
/// attestations); every service here names the fixture's admitted image.
extension EnginePluginTests {
    /// The compliant service: the fixture's floor as compose keys.
    static func composeKeys(_ engine: EnginePluginFixture) -> [(String, String)] {
        [
            ("image", engine.image), ("command", "[\"true\"]"), ("user", "\"1000:1000\""), ("read_only", "true"), ("cap_drop", "[ALL]"),
            ("security_opt", "[\"no-new-privileges:true\", \"seccomp=\(engine.seccompFile)\"]"), ("mem_limit", "256m"), ("memswap_limit", "256m"),
            ("cpus", "0.5"), ("pids_limit", "64"), ("network_mode", "none"), ("tmpfs", "[\"/tmp:size=16m\"]"),
        ]
    }

    static let corpus: [ComposeCase] = [
        ComposeCase(name: "compliant", changes: [:]),
        ComposeCase(name: "privileged", changes: ["privileged": "true"]),
        ComposeCase(name: "cap_add SYS_ADMIN", changes: ["cap_add": "[SYS_ADMIN]"]),
        ComposeCase(name: "cap_drop missing", changes: ["cap_drop": nil]),
        ComposeCase(name: "read_only false", changes: ["read_only": "false"]),
        ComposeCase(name: "read_only missing", changes: ["read_only": nil]),
        ComposeCase(name: "user root", changes: ["user": "root"]),
        ComposeCase(name: "user 0:0", changes: ["user": "\"0:0\""]),
        ComposeCase(name: "user missing", changes: ["user": nil]),
        ComposeCase(name: "user without a group", changes: ["user": "\"1000\""]),
        ComposeCase(name: "no seccomp", changes: ["security_opt": "[\"no-new-privileges:true\"]"]),
        ComposeCase(name: "seccomp:unconfined", changes: ["security_opt": "[\"no-new-privileges:true\", \"seccomp:unconfined\"]"]),
        ComposeCase(name: "no no-new-privileges", changes: ["security_opt": "[\"seccomp=SECCOMP\"]"]),
        ComposeCase(name: "mem_limit above", changes: ["mem_limit": "1g", "memswap_limit": "1g"]),
        ComposeCase(name: "mem_limit missing", changes: ["mem_limit": nil, "memswap_limit": nil]),
        ComposeCase(name: "memswap_limit missing", changes: ["memswap_limit": nil]),
        ComposeCase(name: "cpus above", changes: ["cpus": "4"]),
        ComposeCase(name: "cpus missing", changes: ["cpus": nil]),
        ComposeCase(name: "pids_limit missing", changes: ["pids_limit": nil]),
        ComposeCase(name: "pids_limit above", changes: ["pids_limit": "10000"]),
        ComposeCase(name: "network_mode host", changes: ["network_mode": "host"]),
        ComposeCase(name: "network_mode missing", changes: ["network_mode": nil]),
        ComposeCase(name: "pid host", changes: ["pid": "host"]),
        ComposeCase(name: "ipc host", changes: ["ipc": "host"]),
        ComposeCase(name: "volumes of /", changes: ["volumes": "[\"/:/host:ro\"]"]),
        ComposeCase(name: "devices", changes: ["devices": "[\"/dev/mem:/dev/mem\"]"]),
        ComposeCase(name: "tmpfs without size", changes: ["tmpfs": "[\"/tmp\"]"]),
        ComposeCase(name: "restart always", changes: ["restart": "always"]),
        ComposeCase(name: "lower limits", changes: ["mem_limit": "64m", "memswap_limit": "64m", "cpus": "0.25", "pids_limit": "16"]),
    ]

    /// Writes `keys` as a compose file in a directory of its own and returns the directory.
    static func writeCompose(_ keys: [(String, String)], in engine: EnginePluginFixture, name: String) throws -> URL {
        let directory = engine.directory.appendingPathComponent("corpus-" + name.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined())
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let lines = keys.map { "    \($0.0): \($0.1.replacingOccurrences(of: "SECCOMP", with: engine.seccompFile))" }
        try (["version: \"2.4\"", "services:", "  app:"] + lines).joined(separator: "\n").appending("\n")
            .write(to: directory.appendingPathComponent("docker-compose.yml"), atomically: true, encoding: .utf8)
        return directory
    }

    /// `docker-compose up` of the project in `directory` against the guarded engine, then `down`.
    static func composeUp(_ directory: URL, engine: EnginePluginFixture) throws -> CLIResult {
        try CLI.exec(
            "sh",
            ["-c", "cd '\(directory.path)' && docker-compose up --no-color --abort-on-container-exit; s=$?; docker-compose down >/dev/null 2>&1; exit $s"],
            environment: ["DOCKER_HOST": "unix://\(engine.engineSocket)"], timeout: 180)
    }

    /// The rule ids of the findings that count in `securerun lint --format json FILE`, or nil when lint failed.
    static func lintRules(_ file: URL, engine: EnginePluginFixture) throws -> (rules: [String], result: CLIResult) {
        let result = try engine.cli.run(["lint", "--profile", engine.profile, "--format", "json", file.path])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let findings = object?["findings"] as? [[String: Any]] ?? []
        return (findings.filter { $0["suppressed"] == nil || $0["suppressed"] is NSNull }.compactMap { $0["rule"] as? String }, result)
    }

    @Test("lint of a compose file and the plugin give the same verdict, under the same rule id", arguments: corpus)
    func lintAndPluginAgree(service: ComposeCase) throws {
        guard let engine = EnginePluginFixture.available(), Requirements.met(tools: ["docker-compose"]) else { return }
        var keys = Self.composeKeys(engine).filter { key in service.changes[key.0].map { $0 != nil } ?? true }
        for key in keys.indices { if let changed = service.changes[keys[key].0], let value = changed { keys[key].1 = value } }
        for (key, value) in service.changes.sorted(by: { $0.key < $1.key }) where !keys.contains(where: { $0.0 == key }) {
            if let value { keys.append((key, value)) }
        }
        let directory = try Self.writeCompose(keys, in: engine, name: service.name)
        let (rules, lint) = try Self.lintRules(directory.appendingPathComponent("docker-compose.yml"), engine: engine)
        #expect([0, 1].contains(lint.status), "lint: \(lint)")
        let up = try Self.composeUp(directory, engine: engine)
        let output = up.stdout + up.stderr
        let refused = up.status != 0 && output.contains(Self.denied)
        #expect(up.status == 0 || refused, "docker-compose failed for another reason: \(up)")
        let pluginRule = output.firstMatch(of: /\[(SR\d{3}) [a-z-]+\]/).map { String($0.1) }
        #expect(refused == !rules.isEmpty, "plugin refused: \(refused) (\(pluginRule ?? "no rule")); lint: \(rules)\n\(output.suffix(1200))")
        #expect(refused == (service.name != "compliant" && service.name != "lower limits"), "\(output.suffix(1200))")
        if let pluginRule {
            #expect(rules.contains(pluginRule), "the plugin refused under \(pluginRule), lint found \(rules)\n\(output.suffix(800))")
        }
    }

    @Test("securerun export compose writes a service the plugin admits and runs, and lint finds nothing in it")
    func exportedComposeRuns() throws {
        guard let engine = EnginePluginFixture.available(), Requirements.met(tools: ["docker-compose"]) else { return }
        let exported = try engine.cli.run(["export", "compose", "--profile", engine.profile, "--service", "app", engine.image])
        try expectSuccess(exported)
        #expect(exported.stdout.contains("image: \"sha256:"), "\(exported)")
        let directory = engine.directory.appendingPathComponent("exported")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("docker-compose.yml")
        // A user adds the command; everything else is the export's.
        try (exported.stdout + "    command: [\"id\", \"-u\"]\n").write(to: file, atomically: true, encoding: .utf8)
        let (rules, lint) = try Self.lintRules(file, engine: engine)
        #expect(lint.status == 0 && rules.isEmpty, "\(lint)")
        let up = try Self.composeUp(directory, engine: engine)
        let uid = exported.stdout.firstMatch(of: /user: "(\d+):\d+"/).map { String($0.1) } ?? "?"
        #expect(up.status == 0 && up.stdout.contains(uid), "\(up)\n\(engine.pluginLog.suffix(1500))")
    }
}
