import Foundation
import KubernetesAdmission
import Policy
import StrictJSON

/// The shipped default profile, a judge over an empty state root, and pods built from a compliant one.
enum PodFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    static func profile() throws -> Profile {
        try ProfileLoader.load(file: packageRoot.appendingPathComponent("profiles/default.yaml"))
    }

    static func judge() throws -> PodJudge {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kubernetes-admission-tests-\(UUID().uuidString)")
        return try PodJudge(profile: try profile(), stateRoot: root)
    }

    /// A pod that carries the default profile's floor, its image pinned by digest.
    static func compliantPod(seccompFile: String) -> [String: Any] {
        [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web", "namespace": "apps", "labels": ["app": "web"]],
            "spec": [
                "automountServiceAccountToken": false,
                "securityContext": [
                    "runAsNonRoot": true, "runAsUser": 65534, "runAsGroup": 65534,
                    "seccompProfile": ["type": "Localhost", "localhostProfile": seccompFile],
                ],
                "containers": [
                    [
                        "name": "app", "image": "registry.example/app@\(digest)", "command": ["/bin/sh", "-c", "sleep 1"],
                        "securityContext": ["readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"]]],
                        "resources": ["limits": ["cpu": "500m", "memory": "256Mi"], "requests": ["cpu": "100m", "memory": "64Mi"]],
                        "volumeMounts": [["name": "tmp", "mountPath": "/tmp"]],
                    ] as [String: Any]
                ],
                "volumes": [["name": "tmp", "emptyDir": ["medium": "Memory", "sizeLimit": "16Mi"]]],
            ] as [String: Any],
        ]
    }

    /// `pod` with `change` applied to its first container.
    static func container(_ pod: [String: Any], _ change: (inout [String: Any]) -> Void) -> [String: Any] {
        var pod = pod
        var spec = pod["spec"] as? [String: Any] ?? [:]
        var containers = spec["containers"] as? [[String: Any]] ?? []
        change(&containers[0])
        spec["containers"] = containers
        pod["spec"] = spec
        return pod
    }

    /// `pod` with `change` applied to its spec.
    static func spec(_ pod: [String: Any], _ change: (inout [String: Any]) -> Void) -> [String: Any] {
        var pod = pod
        var spec = pod["spec"] as? [String: Any] ?? [:]
        change(&spec)
        pod["spec"] = spec
        return pod
    }

    /// Sets `value` at `keys` inside `object`.
    static func set(_ object: inout [String: Any], _ keys: [String], _ value: Any?) {
        guard let first = keys.first else { return }
        if keys.count == 1 {
            object[first] = value
            return
        }
        var inner = object[first] as? [String: Any] ?? [:]
        set(&inner, Array(keys.dropFirst()), value)
        object[first] = inner
    }

    static func node(_ object: [String: Any]) throws -> JSONNode {
        try JSONParser.parse(Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
    }

    /// An AdmissionReview around `pod`.
    static func review(_ pod: [String: Any], uid: String = "uid-1", operation: String = "CREATE", subResource: String? = nil, dryRun: Bool = false)
        throws -> [UInt8]
    {
        var request: [String: Any] = [
            "uid": uid, "kind": ["group": "", "version": "v1", "kind": "Pod"], "resource": ["group": "", "version": "v1", "resource": "pods"],
            "operation": operation, "object": pod, "dryRun": dryRun, "userInfo": ["username": "alice"],
        ]
        if let subResource { request["subResource"] = subResource }
        return Array(
            try JSONSerialization.data(
                withJSONObject: ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request], options: [.sortedKeys]))
    }

    /// The rule ids the judge refuses `pod` with, and the message.
    static func refusals(_ pod: [String: Any], judge: PodJudge) throws -> (rules: Set<String>, message: String) {
        let judgement = judge.judge(try PodReader.read(try node(pod), path: ""))
        return (Set(judgement.containers.flatMap { $0.refusals.compactMap(\.rule) }), judgement.message)
    }
}
