import Foundation
import Policy

/// A Kubernetes workload that meets a profile: the pod and container security contexts, resources,
/// tmpfs as Memory emptyDirs and the network as a NetworkPolicy, each at the value the profile gives
/// `securerun run` (rendered from ``KubernetesProfile``, so from `Policy.enforce`'s own decision). What
/// Kubernetes has no field for becomes the closest real mechanism and a comment naming what the cluster
/// must provide (from ``KubernetesField/table``).
public enum KubernetesRenderer {
    /// The workload kinds `export kubernetes` writes.
    public enum Kind: String, Sendable, CaseIterable {
        case pod = "Pod"
        case deployment = "Deployment"
        case job = "Job"
        case cronJob = "CronJob"
    }

    /// What the workload is: its name, kind, image (pinned by digest) and, for a CronJob, its schedule.
    public struct Workload: Sendable {
        /// `metadata.name` and the container's name (a DNS-1123 label).
        public var name: String
        /// Pod, Deployment, Job or CronJob.
        public var kind: Kind
        /// `NAME@sha256:…`.
        public var image: String
        /// A CronJob's schedule.
        public var schedule: String

        /// A workload.
        public init(name: String, kind: Kind, image: String, schedule: String = "@daily") {
            self.name = name
            self.kind = kind
            self.image = image
            self.schedule = schedule
        }
    }

    /// The label that ties the pods to their NetworkPolicy.
    public static let nameLabel = "app.kubernetes.io/name"

    /// The YAML stream: the workload, then its NetworkPolicy.
    public static func render(_ values: KubernetesProfile, workload: Workload) -> String {
        YAMLNode.stream([
            self.workload(values, workload).document(header: header(values)),
            networkPolicy(values, name: workload.name).document(header: ["What the profile's network allows: \(values.profile.network.mode.rawValue)."]),
        ])
    }

    /// The file's opening comments: where it came from, and what the cluster must provide.
    static func header(_ values: KubernetesProfile) -> [String] {
        var lines = [
            "Written by securerun export kubernetes under profile \"\(values.profile.name)\" (\(values.profile.source.path)).",
            "Install the seccomp file \(values.seccompFile) (written beside this file) on every node at",
            "  \(values.seccompNodePath)",
            "before applying: kubelet refuses to start a pod whose Localhost profile is missing.",
            "What the cluster must provide (no pod field says it):",
        ]
        for field in KubernetesField.table where field.target == .cluster {
            lines.append("  \(field.key): \(field.how(values))")
        }
        lines.append(
            "  hostUsers: false: user namespaces (Kubernetes 1.33+, or 1.30-1.32 with UserNamespacesSupport) on a runtime and kernel with idmapped mounts")
        return lines
    }

    /// The Pod, Deployment, Job or CronJob.
    static func workload(_ values: KubernetesProfile, _ workload: Workload) -> YAMLNode {
        let labels = YAMLNode.map([YAMLEntry(nameLabel, .string(workload.name))])
        let podMetadata = YAMLNode.map([YAMLEntry("labels", labels), YAMLEntry("annotations", annotations(values))])
        let restart: String? = workload.kind == .job || workload.kind == .cronJob ? "Never" : nil
        let spec = podSpec(values, name: workload.name, image: workload.image, restartPolicy: restart)
        let template = YAMLNode.map([YAMLEntry("metadata", podMetadata), YAMLEntry("spec", spec)])
        func object(_ apiVersion: String, _ body: YAMLNode) -> YAMLNode {
            .map([
                YAMLEntry("apiVersion", .plain(apiVersion)), YAMLEntry("kind", .plain(workload.kind.rawValue)),
                YAMLEntry("metadata", .map([YAMLEntry("name", .string(workload.name)), YAMLEntry("labels", labels)])), YAMLEntry("spec", body),
            ])
        }
        switch workload.kind {
        case .pod:
            return .map([
                YAMLEntry("apiVersion", .plain("v1")), YAMLEntry("kind", .plain("Pod")),
                YAMLEntry(
                    "metadata",
                    .map([YAMLEntry("name", .string(workload.name)), YAMLEntry("labels", labels), YAMLEntry("annotations", annotations(values))])),
                YAMLEntry("spec", spec),
            ])
        case .deployment:
            return object(
                "apps/v1",
                .map([
                    YAMLEntry("replicas", .int(1)), YAMLEntry("selector", .map([YAMLEntry("matchLabels", labels)])), YAMLEntry("template", template),
                ]))
        case .job:
            return object("batch/v1", .map([YAMLEntry("backoffLimit", .int(0)), YAMLEntry("template", template)]))
        case .cronJob:
            return object(
                "batch/v1",
                .map([
                    YAMLEntry("schedule", .string(workload.schedule)), YAMLEntry("concurrencyPolicy", .plain("Forbid")),
                    YAMLEntry("jobTemplate", .map([YAMLEntry("spec", .map([YAMLEntry("backoffLimit", .int(0)), YAMLEntry("template", template)]))])),
                ]))
        }
    }

    /// The pod's annotations: the profile, and the bandwidth plugin's rates.
    static func annotations(_ values: KubernetesProfile) -> YAMLNode {
        var entries = [YAMLEntry("securerun/profile", .string(values.profile.name))]
        if let egress = values.spec.network.egress {
            entries.append(
                YAMLEntry(
                    "kubernetes.io/egress-bandwidth", .string(KubernetesProfile.bandwidth(egress.rate)),
                    comments: ["network.egressRate: honoured only where the CNI chain includes the bandwidth plugin"]))
        }
        if let ingress = values.spec.network.ingress {
            entries.append(
                YAMLEntry(
                    "kubernetes.io/ingress-bandwidth", .string(KubernetesProfile.bandwidth(ingress.rate)),
                    comments: ["network.ingressRate: honoured only where the CNI chain includes the bandwidth plugin"]))
        }
        return .map(entries)
    }

    /// The seccomp profile entry, with where the file must be.
    static func seccompProfile(_ values: KubernetesProfile) -> YAMLEntry {
        YAMLEntry(
            "seccompProfile", .map([YAMLEntry("type", .plain("Localhost")), YAMLEntry("localhostProfile", .string(values.seccompFile))]),
            comments: ["the node path: \(values.seccompNodePath)"])
    }

    /// The pod spec: host namespaces off, no service account token, the security contexts, resources and tmpfs.
    static func podSpec(_ values: KubernetesProfile, name: String, image: String, restartPolicy: String?) -> YAMLNode {
        let spec = values.spec
        var podSecurity = [
            YAMLEntry("runAsNonRoot", .bool(true)), YAMLEntry("runAsUser", .int(spec.user.uid)), YAMLEntry("runAsGroup", .int(spec.user.gid)),
        ]
        if !spec.additionalGids.isEmpty { podSecurity.append(YAMLEntry("supplementalGroups", .list(spec.additionalGids.map { .int($0) }))) }
        if !spec.sysctls.isEmpty {
            podSecurity.append(
                YAMLEntry(
                    "sysctls",
                    .list(spec.sysctls.sorted { $0.key < $1.key }.map { .map([YAMLEntry("name", .string($0.key)), YAMLEntry("value", .string($0.value))]) })))
        }
        podSecurity.append(seccompProfile(values))

        var capabilities = [YAMLEntry("drop", .strings(["ALL"]))]
        if !values.capabilityAdds.isEmpty { capabilities.append(YAMLEntry("add", .strings(values.capabilityAdds))) }
        let containerSecurity: [YAMLEntry] = [
            YAMLEntry("runAsNonRoot", .bool(true)), YAMLEntry("runAsUser", .int(spec.user.uid)), YAMLEntry("runAsGroup", .int(spec.user.gid)),
            YAMLEntry("readOnlyRootFilesystem", .bool(true)), YAMLEntry("allowPrivilegeEscalation", .bool(false)),
            YAMLEntry("privileged", .bool(false)), YAMLEntry("capabilities", .map(capabilities)),
            YAMLEntry("procMount", .plain("Default"), comments: ["the runtime's masked and read-only /proc paths stay"]),
            seccompProfile(values),
        ]
        let quantities = YAMLNode.map([YAMLEntry("cpu", .string(values.cpu)), YAMLEntry("memory", .string(values.memory))])
        let volumes = spec.tmpfs.enumerated().map { index, mount in
            (name: "tmpfs-\(index)-" + KubernetesProfile.dnsLabel(mount.path).prefix(40), mount: mount)
        }
        var container = [
            YAMLEntry("name", .string(name)), YAMLEntry("image", .string(image)), YAMLEntry("securityContext", .map(containerSecurity)),
            YAMLEntry(
                "resources", .map([YAMLEntry("limits", quantities), YAMLEntry("requests", quantities)]),
                comments: [
                    "requests equal limits: Guaranteed QoS, never swapped (memory+swap \(spec.memorySwap)); pids (\(spec.pidsLimit)) is kubelet's podPidsLimit"
                ]),
        ]
        if !volumes.isEmpty {
            container.append(
                YAMLEntry(
                    "volumeMounts", .list(volumes.map { .map([YAMLEntry("name", .string($0.name)), YAMLEntry("mountPath", .string($0.mount.path))]) })
                ))
        }

        var entries = [
            YAMLEntry("automountServiceAccountToken", .bool(false)), YAMLEntry("enableServiceLinks", .bool(false)),
            YAMLEntry("hostNetwork", .bool(false)), YAMLEntry("hostPID", .bool(false)), YAMLEntry("hostIPC", .bool(false)),
            YAMLEntry("hostUsers", .bool(false), comments: ["a user namespace: the pod's uids are not the node's"]),
        ]
        if let restartPolicy { entries.append(YAMLEntry("restartPolicy", .plain(restartPolicy))) }
        entries.append(YAMLEntry("securityContext", .map(podSecurity)))
        entries.append(YAMLEntry("containers", .list([.map(container)])))
        if !volumes.isEmpty {
            entries.append(
                YAMLEntry(
                    "volumes",
                    .list(
                        volumes.map {
                            .map([
                                YAMLEntry("name", .string($0.name)),
                                YAMLEntry(
                                    "emptyDir",
                                    .map([
                                        YAMLEntry("medium", .plain("Memory")),
                                        YAMLEntry("sizeLimit", .string(KubernetesProfile.quantity(bytes: $0.mount.size.bytes))),
                                    ])),
                            ])
                        }),
                    comments: ["the profile's tmpfs: Memory emptyDirs count against the memory limit, as tmpfs pages count against the cgroup's"]))
        }
        var notes: [String] = []
        if let shm = spec.shmSize { notes.append("/dev/shm: the runtime's own (64Mi on containerd and CRI-O); the profile's is \(shm)") }
        if !spec.rlimits.isEmpty {
            notes.append("ulimits \(spec.rlimits.map(\.description).joined(separator: ", ")): no pod field; set them in the runtime's configuration")
        } else {
            notes.append("ulimits: the profile sets none; the runtime's defaults apply")
        }
        if !notes.isEmpty, let last = entries.indices.last { entries[last].comments = notes + entries[last].comments }
        return .map(entries)
    }

    /// The NetworkPolicy for the workload's pods: deny everything under network none, else only the
    /// egress allow-list; ingress is never opened (add a rule for the ports a Service targets).
    static func networkPolicy(_ values: KubernetesProfile, name: String) -> YAMLNode {
        var spec = [
            YAMLEntry("podSelector", .map([YAMLEntry("matchLabels", .map([YAMLEntry(nameLabel, .string(name))]))])),
            YAMLEntry("policyTypes", .list([.plain("Ingress"), .plain("Egress")]), comments: ["no ingress rule: nothing may connect in"]),
        ]
        let network = values.spec.network
        if network.mode == .private, !network.allow.isEmpty {
            spec.append(YAMLEntry("egress", .list(network.allow.map(egressRule)), comments: ["network.egress.allow, and nothing else (DNS only if listed)"]))
        }
        return .map([
            YAMLEntry("apiVersion", .plain("networking.k8s.io/v1")), YAMLEntry("kind", .plain("NetworkPolicy")),
            YAMLEntry("metadata", .map([YAMLEntry("name", .string(String(name.prefix(53)) + "-securerun"))])),
            YAMLEntry(
                "spec", .map(spec),
                comments: ["enforced only by a CNI that implements NetworkPolicy (Calico, Cilium, kube-router, ...)"]),
        ])
    }

    static func egressRule(_ rule: EgressRule) -> YAMLNode {
        var entries = [YAMLEntry("to", .list([.map([YAMLEntry("ipBlock", .map([YAMLEntry("cidr", .string(rule.network.description))]))])]))]
        if let port = rule.port {
            let transports = rule.transport.map { [$0] } ?? TransportProtocol.allCases
            entries.append(
                YAMLEntry(
                    "ports", .list(transports.map { .map([YAMLEntry("protocol", .plain($0.rawValue.uppercased())), YAMLEntry("port", .int(port))]) })))
        }
        return .map(entries)
    }

    /// `--explain`: every profile key, where it goes and how, with this profile's values.
    public static func explain(_ values: KubernetesProfile) -> String {
        let width = KubernetesField.table.map(\.key.count).max() ?? 0
        var lines = [
            "profile \"\(values.profile.name)\" on Kubernetes (workload: in the exported YAML; policies: securerun export policies; cluster: the cluster must provide it)"
        ]
        for field in KubernetesField.table {
            let key = field.key.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("\(key)  \(field.target.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(field.how(values))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
