import Policy

/// The profile's pod floor as a Kubernetes ValidatingAdmissionPolicy (CEL, built into the API server
/// since 1.30, no add-on) and its binding. It checks what a policy can see in the Pod; the image's
/// attestation and the seccomp file's content are the webhook's and Kyverno's or policy-controller's.
public enum AdmissionPolicyRenderer {
    /// The policy's and the binding's name.
    public static func name(_ values: KubernetesProfile) -> String { "securerun-\(KubernetesProfile.dnsLabel(values.profile.name))" }

    /// The rules every pod policy matches: pods CREATE and UPDATE, the ephemeralcontainers subresource
    /// `kubectl debug` writes to, and the resize subresource through which Kubernetes 1.33 changes a
    /// running container's limits (a rule for `pods` alone never sees it).
    static var podRules: YAMLNode {
        .list([
            .map([
                YAMLEntry("apiGroups", .strings([""])), YAMLEntry("apiVersions", .strings(["v1"])),
                YAMLEntry("operations", .strings(["CREATE", "UPDATE"])), YAMLEntry("resources", .strings(["pods"])),
            ]),
            .map([
                YAMLEntry("apiGroups", .strings([""])), YAMLEntry("apiVersions", .strings(["v1"])),
                YAMLEntry("operations", .strings(["UPDATE"])), YAMLEntry("resources", .strings(["pods/ephemeralcontainers"])),
            ]),
            .map([
                YAMLEntry("apiGroups", .strings([""])), YAMLEntry("apiVersions", .strings(["v1"])),
                YAMLEntry("operations", .strings(["UPDATE"])), YAMLEntry("resources", .strings(["pods/resize"])),
            ]),
        ])
    }

    /// A namespace selector that exempts `namespaces` by the label the API server sets and nobody can
    /// change (`kubernetes.io/metadata.name`), so a namespace cannot exempt itself by a label of its own.
    static func namespaceSelector(exempt namespaces: [String]) -> YAMLNode {
        guard !namespaces.isEmpty else { return .map([]) }
        return .map([
            YAMLEntry(
                "matchExpressions",
                .list([
                    .map([
                        YAMLEntry("key", .string("kubernetes.io/metadata.name")), YAMLEntry("operator", .plain("NotIn")),
                        YAMLEntry("values", .strings(namespaces)),
                    ])
                ]))
        ])
    }

    /// The ValidatingAdmissionPolicy and its binding, as two YAML documents.
    public static func render(_ values: KubernetesProfile, exemptNamespaces: [String]) -> [String] {
        let floor = PodFloorCEL(values)
        let name = name(values)
        let policy = YAMLNode.map([
            YAMLEntry("apiVersion", .plain("admissionregistration.k8s.io/v1")), YAMLEntry("kind", .plain("ValidatingAdmissionPolicy")),
            YAMLEntry("metadata", .map([YAMLEntry("name", .string(name))])),
            YAMLEntry(
                "spec",
                .map([
                    YAMLEntry("failurePolicy", .plain("Fail")),
                    YAMLEntry("matchConstraints", .map([YAMLEntry("resourceRules", podRules)])),
                    YAMLEntry(
                        "variables",
                        .list(floor.variables.map { .map([YAMLEntry("name", .string($0.name)), YAMLEntry("expression", .string($0.expression))]) })),
                    YAMLEntry(
                        "validations",
                        .list(
                            floor.checks.map {
                                .map([YAMLEntry("expression", .string($0.expression)), YAMLEntry("message", .string($0.message))])
                            })),
                ])),
        ])
        let binding = YAMLNode.map([
            YAMLEntry("apiVersion", .plain("admissionregistration.k8s.io/v1")), YAMLEntry("kind", .plain("ValidatingAdmissionPolicyBinding")),
            YAMLEntry("metadata", .map([YAMLEntry("name", .string(name))])),
            YAMLEntry(
                "spec",
                .map([
                    YAMLEntry("policyName", .string(name)), YAMLEntry("validationActions", .strings(["Deny"])),
                    YAMLEntry(
                        "matchResources", .map([YAMLEntry("namespaceSelector", namespaceSelector(exempt: exemptNamespaces))]),
                        comments: exemptNamespaces.isEmpty
                            ? [] : ["exempt only by the immutable namespace-name label: \(exemptNamespaces.joined(separator: ", "))"]),
                ])),
        ])
        return [
            policy.document(header: [
                "securerun profile \"\(values.profile.name)\": the pod floor as a ValidatingAdmissionPolicy (Kubernetes 1.30+, CEL).",
                "It checks the pod's fields. It cannot check the seccomp file's content on the nodes (only that pods name",
                "\(values.seccompFile), the file securerun exported), nor the image's attestation: securerun's admission",
                "webhook (securerun admission serve) and the Kyverno or policy-controller policies cover those.",
                "Workload controllers (Deployment, Job, ...) are not matched: their pods are, when they are created.",
            ]),
            binding.document(header: ["Binds the policy to every namespace but the exempt ones, denying what it refuses."]),
        ]
    }
}
