import Foundation
import Policy

@testable import EnginePlugin

/// Fixtures: the shipped default profile, an engine that answers from tables, and create bodies.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func profile(_ name: String = "default") throws -> Profile {
        try ProfileLoader.load(file: packageRoot.appendingPathComponent("profiles/\(name).yaml"))
    }

    /// The default profile's seccomp file, as `docker run --security-opt seccomp=FILE` sends it inline.
    static func seccompText() throws -> String {
        try String(contentsOf: packageRoot.appendingPathComponent("profiles/seccomp/default.json"), encoding: .utf8)
    }

    static let host = HostFacts(rlimits: [.nofile: (1024, 4096)], cpus: [0, 1], memoryNodes: [0], platform: "linux/amd64")

    /// A judge over an empty state root and `engine`.
    static func judge(engine: FakeEngine = FakeEngine(), profile: Profile? = nil) throws -> EngineJudge {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("engine-plugin-tests-\(UUID().uuidString)")
        return EngineJudge(profile: try profile ?? Self.profile(), stateRoot: root, engine: engine, hostSecrets: HostSecrets(patterns: []), hostFacts: host)
    }

    /// The Config+HostConfig `docker run` sends with the floor's flags.
    static func compliantBody() throws -> [String: Any] {
        [
            "User": "1000:1000", "Image": "app:1", "Cmd": ["true"], "AttachStdout": true, "Env": NSNull(), "Labels": [String: String](),
            "Volumes": [String: Any](),
            "HostConfig": [
                "ReadonlyRootfs": true, "CapDrop": ["ALL"], "CapAdd": NSNull(), "Privileged": false,
                "SecurityOpt": ["no-new-privileges", "seccomp=" + (try seccompText())],
                "Memory": 268_435_456, "MemorySwap": 268_435_456, "NanoCpus": 500_000_000, "PidsLimit": 64, "NetworkMode": "none",
                "Tmpfs": ["/tmp": "size=16m"], "LogConfig": ["Type": "", "Config": [String: String]()],
                "RestartPolicy": ["Name": "no", "MaximumRetryCount": 0], "MemorySwappiness": -1, "ShmSize": 0, "Binds": NSNull(),
                "IpcMode": "", "PidMode": "", "CgroupnsMode": "", "MaskedPaths": NSNull(), "ReadonlyPaths": NSNull(),
            ] as [String: Any],
            "NetworkingConfig": ["EndpointsConfig": [String: Any]()],
        ]
    }

    static func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// `body` with `HostConfig.key` set (or removed, for nil).
    static func with(_ key: String, _ value: Any?, in body: [String: Any]? = nil) throws -> [String: Any] {
        var body = try body ?? compliantBody()
        var host = body["HostConfig"] as? [String: Any] ?? [:]
        host[key] = value
        body["HostConfig"] = host
        return body
    }

    /// An AuthZReq carrying `body` as a client sends it (Content-Type and Content-Length).
    static func request(_ method: String, _ uri: String, body: [UInt8]?, headers: [String: String]? = nil) -> AuthZRequest {
        var sent = headers ?? [:]
        if headers == nil, let body {
            sent["Content-Type"] = "application/json"
            sent["Content-Length"] = "\(body.count)"
        }
        return AuthZRequest(method: method, uri: uri, body: body, headers: sent)
    }

    static func create(_ body: [String: Any], uri: String = "/v1.41/containers/create") throws -> AuthZRequest {
        request("POST", uri, body: try json(body))
    }
}

/// An engine answering GETs from tables.
struct FakeEngine: EngineClient {
    var images: [String: String] = ["app:1": "sha256:" + String(repeating: "a", count: 64)]
    var containers: [String: String] = [:]
    var execs: [String: String] = [:]
    /// `/info`'s security options: name=cgroupns when containers get a private cgroup namespace by default.
    var securityOptions = ["name=seccomp,profile=default", "name=cgroupns"]

    func get(_ path: String) throws(EnginePluginError) -> (status: Int, body: [UInt8]) {
        if path == "/info" {
            let list = securityOptions.map { "\"\($0)\"" }.joined(separator: ",")
            return (200, Array(#"{"SecurityOptions":[\#(list)]}"#.utf8))
        }
        let parts = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        if parts.first == "images", let id = images[parts.dropFirst().dropLast().joined(separator: "/")] {
            return (200, Array(#"{"Id":"\#(id)"}"#.utf8))
        }
        if parts.first == "containers", parts.count == 3, let json = containers[parts[1]] { return (200, Array(json.utf8)) }
        if parts.first == "exec", parts.count == 3, let json = execs[parts[1]] { return (200, Array(json.utf8)) }
        return (404, Array(#"{"message":"not found"}"#.utf8))
    }
}

extension EnginePluginError {
    /// The rule id of a policy refusal, if this is one.
    var policyRule: String? {
        if case .policy(.violation(let violation)) = self { return violation.rule.id }
        return nil
    }
}

/// The error `body` throws, if any.
func refusal(_ body: () throws(EnginePluginError) -> Void) -> EnginePluginError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
