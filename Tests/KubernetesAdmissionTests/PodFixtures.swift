import Foundation
import KubernetesAdmission
import Policy
import StrictJSON
import TestSupport

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
        PodDocuments.compliant(
            image: "registry.example/app@\(digest)", seccompFile: seccompFile, user: 65534, command: ["/bin/sh", "-c", "sleep 1"],
            labels: ["app": "web"], requests: ["cpu": "100m", "memory": "64Mi"])
    }

    static func container(_ pod: [String: Any], _ change: (inout [String: Any]) -> Void) -> [String: Any] { PodDocuments.container(pod, change) }
    static func spec(_ pod: [String: Any], _ change: (inout [String: Any]) -> Void) -> [String: Any] { PodDocuments.spec(pod, change) }
    static func set(_ object: inout [String: Any], _ keys: [String], _ value: Any?) { PodDocuments.set(&object, keys, value) }

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
