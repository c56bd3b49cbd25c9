import Admission
import Foundation
import TestSupport
import Testing
import Yams

@testable import Policy
@testable import Renderers

/// Profiles, keys, fixtures and the external validators the Kubernetes export tests share.
enum KubernetesFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let profilesDirectory = packageRoot.appendingPathComponent("profiles")

    /// A profile that sets what the shipped ones leave out: a capability, private networking with an
    /// egress allow-list, extra tmpfs, registries, a stricter admission section with accepted findings.
    static let wideProfile = """
        name: wide
        user: "1000:1000"
        capabilities: [NET_BIND_SERVICE]
        seccomp: seccomp/default.json
        resources: {memory: 300m, memorySwap: 300m, cpus: 0.25, pidsLimit: 64}
        tmpfs:
          - {path: /tmp, size: 8m}
          - {path: /var/cache/app, size: 4m}
        extraTmpfs: {allow: true, maxSize: 16m, maxMounts: 2}
        network:
          mode: private
          addressRange: 10.213.0.0/16
          egressRate: 5mbit
          ingressRate: 20mbit
          egress: {allow: [10.1.0.0/16:443/tcp, 192.168.1.1:53, 172.16.0.0/12]}
          publish: {allowed: true, hostAddresses: [127.0.0.1]}
        allowedRegistries: ["127.0.0.1:5000"]
        admission:
          threshold: 1
          blockAt: MEDIUM
          maxScanAge: 36h
          ignore:
            - {id: CVE-2024-0001, reason: not reachable in this image, expires: "2099-01-31"}
            - {id: cve-2024-0002, reason: fixed upstream soon, expires: "2001-01-01T00:00:00Z"}
        """

    /// The shipped profiles and the wide one.
    static func profiles() throws -> [Profile] {
        try ["default", "production", "service"].map { try ProfileLoader.load(file: profilesDirectory.appendingPathComponent("\($0).yaml")) }
            + [try ProfileLoader.parse(wideProfile, file: profilesDirectory.appendingPathComponent("wide.yaml"))]
    }

    /// Two fresh trusted keys (one of each algorithm).
    static func keys() -> [TrustedKey] {
        [KeyAlgorithm.ecdsaP256, .ed25519].enumerated().map { index, algorithm in
            TrustedKey(name: "/test/key-\(index).pub", key: SigningKey.generate(algorithm).publicKey)
        }
    }

    /// A pinned image under the wide profile's registry.
    static let image = "127.0.0.1:5000/team/app@sha256:" + String(repeating: "ab", count: 32)

    /// A fixture of this target.
    static func fixture(_ name: String) throws -> URL {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return directory.appendingPathComponent(name)
    }

    /// The YAML documents of a stream, parsed by Yams (comments and `---` as YAML reads them).
    static func documents(_ text: String) throws -> [[String: Any]] {
        var out: [[String: Any]] = []
        for document in try Yams.load_all(yaml: text) {
            out.append(try #require(document as? [String: Any], "a document is not a mapping"))
        }
        return out
    }

    /// A fresh directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-k8s-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// kubernetes-validate and the test venv's python (jsonschema), found where scripts/test installs them:
/// `$SECURERUN_TEST_VENV` (exported by scripts/test), default /var/cache/securerun/test-venv.
enum Validators {
    static var venv: String {
        ProcessInfo.processInfo.environment["SECURERUN_TEST_VENV"] ?? "/var/cache/securerun/test-venv"
    }

    /// kubernetes-validate, or nil after a skip (a failure under CI).
    static func kubernetesValidate() -> String? {
        let path = venv + "/bin/kubernetes-validate"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            TestRun.skip("kubernetes-validate is missing from \(venv) (scripts/test installs it)")
            return nil
        }
        return path
    }

    /// The venv's python with jsonschema and PyYAML (and cel-python with `celpy`), or nil after a skip.
    static func python(celpy: Bool = false) -> String? {
        let path = venv + "/bin/python"
        let modules = "jsonschema, yaml" + (celpy ? ", celpy" : "")
        guard FileManager.default.isExecutableFile(atPath: path), (try? run(path, ["-c", "import \(modules)"]))?.status == 0 else {
            TestRun.skip("python with \(modules) is missing from \(venv) (scripts/test installs it)")
            return nil
        }
        return path
    }

    /// The newest Kubernetes version the installed kubernetes-validate ships (its default, from --help).
    static func newestVersion(_ tool: String) throws -> String {
        let help = try run(tool, ["--help"]).output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let marker = try #require(help.range(of: "Defaults to "), "kubernetes-validate --help names no default version:\n\(help)")
        let version = help[marker.upperBound...].prefix { $0.isNumber || $0 == "." }
        return String(version.hasSuffix(".") ? version.dropLast() : version)
    }

    /// Runs `tool --strict -k version file` and records an issue unless every resource passed. A missing
    /// schema ("Couldn't find schema", exit 0) counts as a failure: it means nothing was checked.
    static func validate(_ tool: String, file: URL, version: String, resources: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try run(tool, ["--strict", "-k", version, file.path])
        let passed = result.output.split(separator: "\n").filter { $0.hasPrefix("INFO") && $0.contains("passed") }.count
        #expect(result.status == 0, "kubernetes-validate \(version) \(file.lastPathComponent):\n\(result.output)", sourceLocation: sourceLocation)
        #expect(!result.output.contains("WARN") && !result.output.contains("Couldn't find schema"), "\(result.output)", sourceLocation: sourceLocation)
        #expect(passed == resources, "\(passed) of \(resources) resources passed against \(version):\n\(result.output)", sourceLocation: sourceLocation)
    }

    /// Validates every Pod, and the pod template of every workload, in `file` against the strict Pod schema.
    static func validatePods(_ python: String, file: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let schema = try KubernetesFixtures.fixture("pod-v1.32.2-standalone-strict.json")
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            checked = 0
            errors = []
            for doc in yaml.safe_load_all(open(sys.argv[2])):
                spec = doc.get("spec", {})
                template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
                if doc["kind"] == "Pod":
                    pod = doc
                elif template is not None:
                    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": template.get("metadata", {}), "spec": template["spec"]}
                else:
                    continue
                checked += 1
                validator = jsonschema.validators.validator_for(schema)(schema)
                errors += ["/".join(map(str, e.absolute_path)) + ": " + e.message for e in validator.iter_errors(pod)]
            print(f"{checked} pods, {len(errors)} errors")
            for e in errors[:20]:
                print(e)
            sys.exit(1 if errors or checked == 0 else 0)
            """
        let result = try run(python, ["-c", script, schema.path, file.path])
        #expect(result.status == 0, "pod schema \(file.lastPathComponent):\n\(result.output)", sourceLocation: sourceLocation)
    }

    /// Runs a program; its status and its output (stderr too).
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A path through nested YAML maps and lists (`["spec", "containers", 0, "image"]`).
func value(_ root: Any?, _ path: [Any]) -> Any? {
    var current = root
    for step in path {
        if let key = step as? String, let map = current as? [String: Any] {
            current = map[key]
        } else if let index = step as? Int, let list = current as? [Any], list.indices.contains(index) {
            current = list[index]
        } else {
            return nil
        }
    }
    return current
}
