import Foundation
import Policy

/// Where a profile field goes on Kubernetes: the one table that lists every profile key. `export
/// kubernetes --explain` prints it, the workload's comments on what the cluster must provide come from it,
/// and a test fails when a profile key is missing here (or listed here but no longer a profile key).
public struct KubernetesField: Sendable {
    /// Where the field's decision is carried.
    public enum Target: String, Sendable, CaseIterable {
        /// Set in the exported workload itself.
        case workload
        /// Enforced by the cluster's admission policies (`securerun export policies`) and the webhook.
        case policies
        /// No Kubernetes field: the closest real mechanism, and what the cluster must provide.
        case cluster
    }

    /// The profile key, dotted (`resources.memory`, `tmpfs[].size`).
    public let key: String
    /// Where it goes.
    public let target: Target
    /// How it is mapped, with this profile's value.
    public let how: @Sendable (KubernetesProfile) -> String

    init(_ key: String, _ target: Target, _ how: @escaping @Sendable (KubernetesProfile) -> String) {
        self.key = key
        self.target = target
        self.how = how
    }
}

extension KubernetesField {
    /// Every profile key and how it reaches a cluster.
    public static let table: [KubernetesField] = [
        .init("name", .workload) { "annotation securerun/profile: \($0.profile.name)" },
        .init("description", .workload) { _ in "free text; not exported" },
        .init("user", .workload) {
            "securityContext runAsNonRoot: true, runAsUser: \($0.user.uid), runAsGroup: \($0.user.gid) (pod and container); policies refuse uid or gid 0"
        },
        .init("capabilities", .workload) {
            "capabilities drop [ALL]" + ($0.capabilityAdds.isEmpty ? "" : ", add \($0.capabilityAdds)") + "; policies refuse other adds"
        },
        .init("seccomp", .workload) {
            "seccompProfile type Localhost, localhostProfile \($0.seccompFile) (the resolved filter, written beside the YAML; install it at \($0.seccompNodePath) on every node)"
        },
        .init("readOnlyRootfs", .workload) { _ in "readOnlyRootFilesystem: true" },
        .init("noNewPrivileges", .workload) { _ in "allowPrivilegeEscalation: false (no_new_privs)" },
        .init("userNamespace", .cluster) {
            "userNamespace \($0.profile.userNamespace.rawValue): the pod's hostUsers: false gives it a user namespace where the cluster's nodes and runtime support it (Kubernetes 1.33+, idmap-capable filesystems); not set by the export"
        },
        .init("restart.allowed", .cluster) {
            let allowed = RestartKind.allCases.filter($0.profile.allowedRestarts.contains).map(\.rawValue)
            return
                "restart.allowed [\(allowed.joined(separator: ", "))]: a pod's restartPolicy is the kubelet's, which restarts without securerun's start decision; not exported"
        },
        .init("resources.memory", .workload) { "resources limits and requests memory: \($0.memory)" },
        .init("resources.memorySwap", .workload) {
            $0.spec.memorySwap == $0.spec.memory
                ? "no swap: requests equal limits (Guaranteed QoS), which kubelet never gives swap"
                : "the profile allows \($0.spec.memorySwap) memory+swap; Kubernetes has no per-pod swap limit (node swapBehavior decides)"
        },
        .init("resources.cpus", .workload) { "resources limits and requests cpu: \($0.cpu) (kubelet's CFS period is 100ms, as securerun's)" },
        .init("resources.pidsLimit", .cluster) {
            "\($0.spec.pidsLimit) tasks: no pod field; set kubelet podPidsLimit (--pod-max-pids) to at most \($0.spec.pidsLimit) on the nodes"
        },
        .init("tmpfs[].path", .workload) { p in "an emptyDir (medium Memory) mounted at " + p.spec.tmpfs.map(\.path).joined(separator: ", ") },
        .init("tmpfs[].size", .workload) { p in
            "emptyDir sizeLimit " + p.spec.tmpfs.map { KubernetesProfile.quantity(bytes: $0.size.bytes) }.joined(separator: ", ")
        },
        .init("tmpfs[].exec", .cluster) { _ in
            "kubelet mounts emptyDir without noexec and has no option for it; the read-only root and no_new_privs still apply"
        },
        .init("tmpfs[].mode", .cluster) { _ in "emptyDir is always mode 0777 (writable by the run user, as the profile's tmpfs)" },
        .init("extraTmpfs.allow", .policies) { p in
            p.profile.extraTmpfs.allowed ? "policies allow further Memory emptyDirs" : "policies allow no emptyDir beyond the profile's tmpfs"
        },
        .init("extraTmpfs.maxSize", .policies) {
            "policies refuse an emptyDir without medium Memory or larger than \(KubernetesProfile.quantity(bytes: $0.maxTmpfsSize.bytes))"
        },
        .init("extraTmpfs.maxMounts", .policies) { "policies refuse more than \($0.maxTmpfsCount) emptyDir volume(s)" },
        .init("maskedPaths", .cluster) { p in
            let extra = Set(p.profile.maskedPaths).subtracting(EngineFloor.engineMaskedPaths).sorted()
            return "procMount Default keeps the runtime's masked /proc and /sys paths (docker's list, as containerd's and CRI-O's)"
                + (extra.isEmpty ? "" : "; \(extra.joined(separator: ", ")) beyond them has no pod field (configure the runtime)")
        },
        .init("readonlyPaths", .cluster) { p in
            let extra = Set(p.profile.readonlyPaths).subtracting(EngineFloor.engineReadonlyPaths).sorted()
            return "procMount Default keeps the runtime's read-only /proc paths"
                + (extra.isEmpty ? "" : "; \(extra.joined(separator: ", ")) beyond them has no pod field (configure the runtime)")
        },
        .init("network.mode", .workload) { p in
            p.profile.network.mode == .none
                ? "a NetworkPolicy denying all ingress and egress (needs a CNI that enforces NetworkPolicy); hostNetwork: false"
                : "a NetworkPolicy allowing only the egress allow-list (needs a CNI that enforces NetworkPolicy); hostNetwork: false"
        },
        .init("network.addressRange", .cluster) { _ in "pod addresses come from the cluster's pod CIDR (the CNI's), not the profile's range" },
        .init("rlimits", .cluster) { p in
            "rlimits are the node runtime's (containerd's defaults, or its base OCI spec); a pod cannot set them: \(p.profile.rlimits.map(\.description).joined(separator: ", "))"
        },
        .init("logs.maxSize", .cluster) { _ in "container logs are the kubelet's (containerLogMaxSize, containerLogMaxFiles in its configuration)" },
        .init("allowMemfdExec", .cluster) { p in
            p.profile.allowMemfdExec
                ? "memfd code may run, as on any node"
                : "the nodes' runtime must set vm.memfd_noexec=2 for pods (no pod field says it); the webhook cannot check it"
        },
        .init("network.allowedNetworks", .cluster) { _ in
            "pods of a namespace share the cluster network; which pods talk is the namespace's NetworkPolicies, not a securerun network"
        },
        .init("network.egressRate", .workload) { p in
            p.spec.network.egress.map { "annotation kubernetes.io/egress-bandwidth: \(KubernetesProfile.bandwidth($0.rate)) (needs the CNI bandwidth plugin)" }
                ?? "no rate (network none)"
        },
        .init("network.ingressRate", .workload) { p in
            p.spec.network.ingress.map {
                "annotation kubernetes.io/ingress-bandwidth: \(KubernetesProfile.bandwidth($0.rate)) (needs the CNI bandwidth plugin)"
            }
                ?? "no rate (network none)"
        },
        .init("network.egressBurst", .cluster) { _ in "the CNI bandwidth plugin picks its own burst; no annotation sets it" },
        .init("network.ingressBurst", .cluster) { _ in "the CNI bandwidth plugin picks its own burst; no annotation sets it" },
        .init("network.egress.allow", .workload) { p in
            p.spec.network.allow.isEmpty
                ? "NetworkPolicy egress: none allowed (DNS included)"
                : "NetworkPolicy egress to \(p.spec.network.allow.map(\.description).joined(separator: ", ")) only (DNS only if listed)"
        },
        .init("network.publish.allowed", .workload) { p in
            p.profile.network.publish.allowed
                ? "NetworkPolicy ingress: none until you add a rule for the ports a Service targets; policies refuse hostPort"
                : "NetworkPolicy ingress: none; policies refuse hostPort"
        },
        .init("network.publish.hostAddresses", .cluster) { _ in
            "node addresses are the cluster's; publish through a Service, never hostPort (policies refuse it)"
        },
        .init("volumes.allowWritable", .policies) { _ in
            "the workload has no host volumes; policies refuse hostPath (node paths cannot be pinned or checked for credentials in a policy)"
        },
        .init("volumes.allowedUids", .policies) { _ in "no host volumes, so no host ids to guard; hostUsers: false maps the pod's ids away from the node's" },
        .init("volumes.allowedGids", .policies) { _ in "no host volumes, so no host ids to guard; hostUsers: false maps the pod's ids away from the node's" },
        .init("allowedRegistries", .policies) { p in
            p.profile.allowedRegistries.isEmpty
                ? "any registry (the profile lists none)"
                : "export refuses other registries; policies refuse images outside \(p.profile.allowedRegistries.joined(separator: ", "))"
        },
        .init("store.maxUnpackedSize", .cluster) { _ in "the node's runtime unpacks images; bound it with kubelet's imagefs eviction thresholds" },
        .init("store.maxFiles", .cluster) { _ in "the node's runtime unpacks images; bound it with kubelet's imagefs eviction thresholds" },
        .init("store.maxExpansionRatio", .cluster) { _ in "the node's runtime unpacks images; bound it with kubelet's imagefs eviction thresholds" },
        .init("store.expansionAllowance", .cluster) { _ in "the node's runtime unpacks images; bound it with kubelet's imagefs eviction thresholds" },
        .init("admission.trustedKeys", .policies) { _ in
            "the workload pins the image by digest; Kyverno verifyImages and policy-controller authorities carry the trusted public keys"
        },
        .init("admission.threshold", .policies) { "Kyverno attestors count \($0.profile.admission.threshold); policy-controller: one authority per key" },
        .init("admission.blockAt", .policies) { "vuln attestation conditions refuse findings at \($0.profile.admission.blockAt.rawValue) and above" },
        .init("admission.maxScanAge", .policies) { "vuln attestation conditions refuse scans older than \($0.profile.admission.maxScanAge)" },
        .init("admission.ignore[].id", .policies) { "accepted findings: \($0.profile.admission.ignore.map(\.id).joined(separator: ", ").ifEmpty("none"))" },
        .init("admission.ignore[].reason", .policies) { _ in "written as a comment beside each accepted finding" },
        .init("admission.ignore[].expires", .policies) { _ in "each accepted finding stops applying at its expiry (checked at admission time)" },
        .init("admission.allowUnattested", .policies) { p in
            p.profile.admission.allowUnattested
                ? "unattested images are admitted (verifyImages not required)" : "an image without a valid attestation is refused"
        },
    ]

    /// The entry for `key`.
    public static func entry(_ key: String) -> KubernetesField? { table.first { $0.key == key } }
}

extension String {
    fileprivate func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}
