import Foundation
import KubernetesAdmission
import Policy
import Testing

/// Attack 22: where the API server and the kubelet read a pod differently from the webhook.
@Suite struct Attack22WebhookTests {
    let judge: PodJudge
    let good: [String: Any]

    init() throws {
        judge = try PodFixtures.judge()
        good = PodFixtures.compliantPod(seccompFile: judge.seccompFile)
    }

    /// `good` with a hostPath volume of `path` mounted at /host (read-only unless `readOnly` is false).
    func withHostPath(_ pod: [String: Any], _ path: String, readOnly: Bool = true) -> [String: Any] {
        var pod = PodFixtures.spec(pod) {
            var volumes = $0["volumes"] as? [[String: Any]] ?? []
            volumes.append(["name": "host", "hostPath": ["path": path]])
            $0["volumes"] = volumes
        }
        pod = PodFixtures.container(pod) {
            var mounts = $0["volumeMounts"] as? [[String: Any]] ?? []
            mounts.append(["name": "host", "mountPath": "/host", "readOnly": readOnly])
            $0["volumeMounts"] = mounts
        }
        return pod
    }

    /// A Kubernetes node keeps its kubelet's client key and every pod's secrets and service account tokens
    /// under /var/lib/kubelet, the cluster's every Secret under /var/lib/etcd (control-plane nodes), CRI-O's
    /// containers under /var/lib/containers and k3s/RKE2's state (server token, datastore) under /var/lib/rancher:
    /// the node's equivalents of /var/lib/docker and /var/lib/containerd, which are never mounted.
    @Test(
        "attack22: a hostPath of the node's kubelet, etcd or CRI-O state is refused even read-only",
        arguments: ["/var/lib/kubelet", "/var/lib/kubelet/pki", "/var/lib/kubelet/pods", "/var/lib/etcd", "/var/lib/containers/storage", "/var/lib/rancher"])
    func nodeStateHostPathIsRefused(_ path: String) throws {
        let (rules, message) = try PodFixtures.refusals(withHostPath(good, path), judge: judge)
        #expect(rules.contains("SR010"), "hostPath \(path) was not refused: \(message)")
    }

    /// The control: the compliant pod with a harmless read-only hostPath is refused only for its image.
    @Test func harmlessHostPathIsOnlyRefusedForTheImage() throws {
        let (rules, message) = try PodFixtures.refusals(withHostPath(good, "/srv/data"), judge: judge)
        #expect(rules == ["SR027"], "\(message)")
    }

    func update(old: [String: Any], new: [String: Any], subResource: String) throws -> KubernetesWebhook.Answer {
        var review =
            try JSONSerialization.jsonObject(with: Data(try PodFixtures.review(new, operation: "UPDATE", subResource: subResource))) as? [String: Any] ?? [:]
        PodFixtures.set(&review, ["request", "oldObject"], old)
        return KubernetesWebhook.answer(Array(try JSONSerialization.data(withJSONObject: review)), judge: judge)
    }

    func limits(_ pod: [String: Any], memory: String) -> [String: Any] {
        PodFixtures.container(pod) { PodFixtures.set(&$0, ["resources", "limits", "memory"], memory) }
    }

    /// Kubernetes 1.33 resizes a running pod's containers in place only through the `pods/resize`
    /// subresource (KEP-1287, beta, on by default): a webhook that matches `pods` never sees it, so a
    /// memory or CPU limit over the profile's is set after admission. The configuration must send it, and
    /// the webhook must judge it as the UPDATE it is (the changed containers), not refuse every resize.
    @Test("attack22: an in-place resize over the profile's memory limit is judged by the memory rule")
    func resizeOverTheLimitIsJudged() throws {
        let answer = try update(old: good, new: limits(good, memory: "64Gi"), subResource: "resize")
        #expect(answer.outcome == .denied)
        #expect(answer.rules.contains("SR006"), "\(answer.message ?? "")")
    }

    @Test("attack22: an in-place resize within the profile is judged, not refused as an unknown subresource")
    func resizeWithinTheLimitIsJudged() throws {
        let answer = try update(old: good, new: limits(good, memory: "128Mi"), subResource: "resize")
        // The image's admission is the only refusal of the compliant pod (the test's state root is empty).
        #expect(answer.rules == ["SR027"], "\(answer.message ?? "")")
    }

    /// A writable hostPath lets the pod plant a symlink in the node's directory (`ln -s / /host/root`); the
    /// kubelet and the runtime follow it when a later pod mounts hostPath /srv/app/root (judged here as that
    /// path: the webhook resolves symlinks on its own filesystem, not the node's), and when `kubectl logs`
    /// reads a log under a writable /var/log. `securerun run` sees the host it judges; the webhook does not,
    /// so what it cannot read it must refuse.
    @Test("attack22: a writable hostPath is refused by the webhook, which cannot see the node's symlinks")
    func writableHostPathIsRefused() throws {
        let text = try String(contentsOf: PodFixtures.packageRoot.appendingPathComponent("profiles/default.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "allowWritable: false", with: "allowWritable: true")
            .replacingOccurrences(of: "seccomp: seccomp/default.json", with: "seccomp: default")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("attack22-writable-\(UUID().uuidString).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let profile = try ProfileLoader.load(file: file)
        let writable = try PodJudge(profile: profile, stateRoot: judge.stateRoot)
        let pod = withHostPath(PodFixtures.compliantPod(seccompFile: writable.seccompFile), "/srv/app", readOnly: false)
        let (rules, message) = try PodFixtures.refusals(pod, judge: writable)
        #expect(rules.contains("SR010"), "\(message)")
    }
}
