import Foundation

/// Pods as the API server sends them to the webhook, built once for every test target that judges one:
/// a compliant pod, and changes to it.
public enum PodDocuments {
    /// A pod that carries a profile's floor: non-root `user`, read-only root, no privilege escalation, drop
    /// ALL, seccomp Localhost `seccompFile`, CPU and memory limits, a sized Memory emptyDir at /tmp.
    public static func compliant(
        image: String, seccompFile: String, user: Int, command: [String], name: String = "web", labels: [String: String]? = nil,
        requests: [String: String]? = nil
    ) -> [String: Any] {
        var metadata: [String: Any] = ["name": name, "namespace": "apps"]
        if let labels { metadata["labels"] = labels }
        var resources: [String: Any] = ["limits": ["cpu": "500m", "memory": "256Mi"]]
        if let requests { resources["requests"] = requests }
        return [
            "apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": [
                "automountServiceAccountToken": false,
                "securityContext": [
                    "runAsNonRoot": true, "runAsUser": user, "runAsGroup": user, "seccompProfile": ["type": "Localhost", "localhostProfile": seccompFile],
                ],
                "containers": [
                    [
                        "name": "app", "image": image, "command": command,
                        "securityContext": ["readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"]]],
                        "resources": resources, "volumeMounts": [["name": "tmp", "mountPath": "/tmp"]],
                    ] as [String: Any]
                ],
                "volumes": [["name": "tmp", "emptyDir": ["medium": "Memory", "sizeLimit": "16Mi"]]],
            ] as [String: Any],
        ]
    }

    /// `pod` with `change` applied to its first container.
    public static func container(_ pod: [String: Any], _ change: (inout [String: Any]) -> Void) -> [String: Any] {
        spec(pod) { spec in
            var containers = spec["containers"] as? [[String: Any]] ?? []
            change(&containers[0])
            spec["containers"] = containers
        }
    }

    /// `pod` with `change` applied to its spec.
    public static func spec(_ pod: [String: Any], _ change: (inout [String: Any]) -> Void) -> [String: Any] {
        var pod = pod
        var spec = pod["spec"] as? [String: Any] ?? [:]
        change(&spec)
        pod["spec"] = spec
        return pod
    }

    /// Sets `value` at `keys` inside `object`.
    public static func set(_ object: inout [String: Any], _ keys: [String], _ value: Any?) {
        guard let first = keys.first else { return }
        if keys.count == 1 {
            object[first] = value
            return
        }
        var inner = object[first] as? [String: Any] ?? [:]
        set(&inner, Array(keys.dropFirst()), value)
        object[first] = inner
    }
}
