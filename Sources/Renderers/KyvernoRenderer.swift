import Admission
import Policy

/// The profile as a Kyverno ClusterPolicy (kyverno.io/v1): the pod floor as validate patterns and deny
/// conditions, and `verifyImages` requiring the cosign vuln attestation signed by the trusted keys, fresh
/// enough, and without a blocking finding the profile does not accept.
public enum KyvernoRenderer {
    /// The ClusterPolicy as one YAML document.
    public static func render(_ values: KubernetesProfile, requirements: AttestationRequirements, exemptNamespaces: [String]) -> String {
        let match = YAMLNode.map([YAMLEntry("any", .list([.map([YAMLEntry("resources", .map([YAMLEntry("kinds", .strings(["Pod"]))]))])]))])
        let exclude: YAMLNode? =
            exemptNamespaces.isEmpty
            ? nil
            : .map([YAMLEntry("any", .list([.map([YAMLEntry("resources", .map([YAMLEntry("namespaces", .strings(exemptNamespaces))]))])]))])
        func rule(_ name: String, comments: [String] = [], _ body: YAMLEntry) -> YAMLNode {
            var entries = [YAMLEntry("name", .string(name), comments: comments), YAMLEntry("match", match)]
            if let exclude { entries.append(YAMLEntry("exclude", exclude)) }
            entries.append(body)
            return .map(entries)
        }
        var rules = floorRules(values).map { rule($0.name, comments: $0.comments, YAMLEntry("validate", $0.validate)) }
        if !requirements.allowUnattested {
            rules.append(rule("vulnerability-attestation", YAMLEntry("verifyImages", verifyImages(requirements))))
        }
        var header = [
            "securerun profile \"\(values.profile.name)\" as a Kyverno ClusterPolicy (Kyverno 1.10+).",
            "Kyverno cannot read the seccomp file on the nodes: the policy requires pods to name \(values.seccompFile),",
            "and securerun's admission webhook (securerun admission serve) is what checks an image's attestation",
            "the same way securerun run does; Kyverno's verifyImages below is the same decision in Kyverno's terms.",
        ]
        if requirements.allowUnattested {
            header.append("admission.allowUnattested is true: no attestation is required, so there is no verifyImages rule.")
        }
        let policy = YAMLNode.map([
            YAMLEntry("apiVersion", .plain("kyverno.io/v1")), YAMLEntry("kind", .plain("ClusterPolicy")),
            YAMLEntry(
                "metadata",
                .map([
                    YAMLEntry("name", .string(AdmissionPolicyRenderer.name(values))),
                    YAMLEntry(
                        "annotations",
                        .map([
                            YAMLEntry("policies.kyverno.io/title", .string("securerun profile \(values.profile.name)")),
                            YAMLEntry("policies.kyverno.io/subject", .string("Pod")),
                        ])),
                ])),
            YAMLEntry(
                "spec",
                .map([
                    YAMLEntry("validationFailureAction", .plain("Enforce")), YAMLEntry("background", .bool(false)),
                    YAMLEntry("failurePolicy", .plain("Fail")), YAMLEntry("webhookTimeoutSeconds", .int(30)),
                    YAMLEntry("rules", .list(rules)),
                ])),
        ])
        return policy.document(header: header)
    }

    // MARK: - The pod floor

    struct FloorRule {
        var name: String
        var comments: [String] = []
        var validate: YAMLNode
    }

    /// `=(ephemeralContainers)`, `=(initContainers)` and `containers`, each a list of `item`.
    static func everyContainer(_ item: [YAMLEntry], ephemeral: Bool = true) -> [YAMLEntry] {
        (ephemeral ? [YAMLEntry("=(ephemeralContainers)", .list([.map(item)]))] : []) + [
            YAMLEntry("=(initContainers)", .list([.map(item)])), YAMLEntry("containers", .list([.map(item)])),
        ]
    }

    static func pattern(_ message: String, _ spec: [YAMLEntry]) -> YAMLNode {
        .map([YAMLEntry("message", .string(message)), YAMLEntry("pattern", .map([YAMLEntry("spec", .map(spec))]))])
    }

    static func message(_ rule: PolicyViolation.Rule, _ text: String) -> String { PodFloorCEL.message(rule, text) }

    static func floorRules(_ values: KubernetesProfile) -> [FloorRule] {
        let optionalSC = { (inner: [YAMLEntry]) in [YAMLEntry("=(securityContext)", .map(inner))] }
        let requiredSC = { (inner: [YAMLEntry]) in [YAMLEntry("securityContext", .map(inner))] }
        let seccomp = [
            YAMLEntry("seccompProfile", .map([YAMLEntry("type", .string("Localhost")), YAMLEntry("localhostProfile", .string(values.seccompFile))]))
        ]
        let optionalSeccomp = [
            YAMLEntry(
                "=(seccompProfile)", .map([YAMLEntry("type", .string("Localhost")), YAMLEntry("localhostProfile", .string(values.seccompFile))]))
        ]
        // The list of every container of the pod, for foreach (JMESPath).
        let all = "request.object.spec.[ephemeralContainers, initContainers, containers][]"
        let adds = values.capabilityAdds.flatMap { [$0, "CAP_" + $0] }
        let tmpfsMax = KubernetesProfile.quantity(bytes: values.maxTmpfsSize.bytes)
        return [
            FloorRule(
                name: "sr001-run-as-non-root",
                validate: .map([
                    YAMLEntry("message", .string(message(.nonRootUser, "runAsNonRoot must be true for the pod or every container"))),
                    YAMLEntry(
                        "anyPattern",
                        .list([
                            .map([
                                YAMLEntry(
                                    "spec",
                                    .map(
                                        [YAMLEntry("securityContext", .map([YAMLEntry("runAsNonRoot", .bool(true))]))]
                                            + everyContainer(optionalSC([YAMLEntry("=(runAsNonRoot)", .bool(true))]))))
                            ]),
                            .map([YAMLEntry("spec", .map(everyContainer(requiredSC([YAMLEntry("runAsNonRoot", .bool(true))]))))]),
                        ])),
                ])),
            FloorRule(
                name: "sr001-no-root-ids",
                validate: pattern(
                    message(.nonRootUser, "runAsUser, runAsGroup and fsGroup must not be 0"),
                    [
                        YAMLEntry(
                            "=(securityContext)",
                            .map([
                                YAMLEntry("=(runAsUser)", .string(">0")), YAMLEntry("=(runAsGroup)", .string(">0")),
                                YAMLEntry("=(fsGroup)", .string(">0")),
                            ]))
                    ] + everyContainer(optionalSC([YAMLEntry("=(runAsUser)", .string(">0")), YAMLEntry("=(runAsGroup)", .string(">0"))])))),
            FloorRule(
                name: "sr002-capabilities",
                validate: .map([
                    YAMLEntry(
                        "message",
                        .string(
                            message(
                                .capabilities, "drop ALL capabilities and add only \(adds.isEmpty ? "none" : values.capabilityAdds.joined(separator: ", "))"))),
                    YAMLEntry(
                        "foreach",
                        .list([
                            .map([
                                YAMLEntry("list", .string(all)),
                                denyWhenAny([
                                    .map([
                                        YAMLEntry("key", .string("ALL")), YAMLEntry("operator", .plain("AnyNotIn")),
                                        YAMLEntry("value", .string("{{ element.securityContext.capabilities.drop[] || `[]` }}")),
                                    ]),
                                    .map([
                                        YAMLEntry("key", .string("{{ element.securityContext.capabilities.add[] || `[]` }}")),
                                        YAMLEntry("operator", .plain("AnyNotIn")), YAMLEntry("value", .strings(adds)),
                                    ]),
                                ]),
                            ])
                        ])),
                ])),
            FloorRule(
                name: "sr003-read-only-root",
                validate: pattern(
                    message(.readOnlyRootfs, "readOnlyRootFilesystem must be true"),
                    everyContainer(requiredSC([YAMLEntry("readOnlyRootFilesystem", .bool(true))])))),
            FloorRule(
                name: "sr004-no-privilege-escalation",
                validate: pattern(
                    message(.noNewPrivileges, "allowPrivilegeEscalation must be false"),
                    everyContainer(requiredSC([YAMLEntry("allowPrivilegeEscalation", .string("false"))])))),
            FloorRule(
                name: "sr005-seccomp",
                comments: [
                    "Kyverno sees only the profile's name, never the file on the node: install \(values.seccompFile) at \(values.seccompNodePath);",
                    "the admission webhook covers what this cannot check.",
                ],
                validate: .map([
                    YAMLEntry("message", .string(message(.seccomp, "seccompProfile must be Localhost \(values.seccompFile)"))),
                    YAMLEntry(
                        "anyPattern",
                        .list([
                            .map([YAMLEntry("spec", .map([YAMLEntry("securityContext", .map(seccomp))] + everyContainer(optionalSC(optionalSeccomp))))]),
                            .map([YAMLEntry("spec", .map(everyContainer(requiredSC(seccomp))))]),
                        ])),
                ])),
            FloorRule(
                name: "sr006-sr007-limits",
                validate: pattern(
                    message(.memory, "limits.memory at most \(values.memory) and limits.cpu at most \(values.cpu) [SR007 cpu-ceiling]"),
                    everyContainer(
                        [
                            YAMLEntry(
                                "resources",
                                .map([
                                    YAMLEntry(
                                        "limits", .map([YAMLEntry("memory", .string("<=\(values.memory)")), YAMLEntry("cpu", .string("<=\(values.cpu)"))]))
                                ]))
                        ], ephemeral: false))),
            FloorRule(
                name: "sr009-not-privileged",
                validate: pattern(
                    message(.privileged, "privileged containers are refused"), everyContainer(optionalSC([YAMLEntry("=(privileged)", .string("false"))])))),
            FloorRule(
                name: "sr010-no-host-path",
                validate: pattern(
                    message(.volumes, "hostPath volumes are refused"),
                    [YAMLEntry("=(volumes)", .list([.map([YAMLEntry("X(hostPath)", .string("null"))])]))])),
            FloorRule(
                name: "sr011-memory-emptydir",
                validate: .map([
                    YAMLEntry(
                        "message",
                        .string(message(.tmpfs, "at most \(values.maxTmpfsCount) emptyDir volumes, each medium Memory with sizeLimit at most \(tmpfsMax)"))),
                    YAMLEntry(
                        "pattern",
                        .map([
                            YAMLEntry(
                                "spec",
                                .map([
                                    YAMLEntry(
                                        "=(volumes)",
                                        .list([
                                            .map([
                                                YAMLEntry(
                                                    "=(emptyDir)",
                                                    .map([YAMLEntry("medium", .string("Memory")), YAMLEntry("sizeLimit", .string("<=\(tmpfsMax)"))]))
                                            ])
                                        ]))
                                ]))
                        ])),
                ])),
            FloorRule(
                name: "sr011-emptydir-count",
                validate: .map([
                    YAMLEntry("message", .string(message(.tmpfs, "at most \(values.maxTmpfsCount) emptyDir volumes"))),
                    denyWhenAny([
                        .map([
                            YAMLEntry("key", .string("{{ length(request.object.spec.volumes[?emptyDir] || `[]`) }}")),
                            YAMLEntry("operator", .plain("GreaterThan")), YAMLEntry("value", .int(values.maxTmpfsCount)),
                        ])
                    ]),
                ])),
            FloorRule(
                name: "sr012-sr015-host-namespaces",
                validate: pattern(
                    message(.hostNamespaces, "hostNetwork, hostPID and hostIPC are refused [SR012 network-mode]"),
                    [
                        YAMLEntry("=(hostNetwork)", .string("false")), YAMLEntry("=(hostPID)", .string("false")),
                        YAMLEntry("=(hostIPC)", .string("false")),
                    ])),
            FloorRule(
                name: "sr013-proc-mount",
                validate: pattern(
                    message(.securityOptions, "procMount must stay Default"), everyContainer(optionalSC([YAMLEntry("=(procMount)", .string("Default"))])))),
            FloorRule(
                name: "sr026-no-host-port",
                validate: pattern(
                    message(.publish, "hostPort is refused; publish through a Service"),
                    everyContainer([YAMLEntry("=(ports)", .list([.map([YAMLEntry("=(hostPort)", .int(0))])]))]))),
        ]
    }

    // MARK: - The attestation

    /// `verifyImages`: the image by digest, the vuln attestation, its keys and conditions.
    static func verifyImages(_ requirements: AttestationRequirements) -> YAMLNode {
        let keys = requirements.keys.map { key in
            YAMLNode.map([
                YAMLEntry(
                    "keys",
                    .map([
                        YAMLEntry("publicKeys", .block(key.key.pemRepresentation), comments: ["\(key.name) (keyid \(key.key.keyID.prefix(16)))"]),
                        YAMLEntry("rekor", .map([YAMLEntry("ignoreTlog", .bool(true))])),
                        YAMLEntry("ctlog", .map([YAMLEntry("ignoreSCT", .bool(true))])),
                    ]))
            ])
        }
        var conditions: [YAMLNode] = []
        if let age = requirements.maxAgeDuration {
            conditions.append(
                .map([
                    YAMLEntry("key", .string("{{ time_since('','{{metadata.scanFinishedOn}}','') }}")),
                    YAMLEntry("operator", .plain("LessThanOrEquals")), YAMLEntry("value", .string(age)),
                ]))
        }
        conditions.append(
            .map([
                YAMLEntry("key", .string("{{ \(openFindings(requirements)) }}")), YAMLEntry("operator", .plain("Equals")),
                YAMLEntry("value", .int(0)),
            ]))
        var acceptedComments = ["admission.blockAt \(requirements.blockAt.rawValue): findings at \(requirements.blocking.joined(separator: ", ")) block"]
        acceptedComments += requirements.accepted.map { "accepted until \($0.expires): \($0.id) (\($0.reason))" }
        return .list([
            .map([
                YAMLEntry("imageReferences", .strings(requirements.imageGlobs(suffix: "*"))),
                YAMLEntry("mutateDigest", .bool(false), comments: ["the image must already be pinned by digest: admission judges a digest"]),
                YAMLEntry("verifyDigest", .bool(true)), YAMLEntry("required", .bool(true)),
                YAMLEntry(
                    "attestations",
                    .list([
                        .map([
                            YAMLEntry("type", .string(AttestationRequirements.predicateType)),
                            YAMLEntry(
                                "attestors", .list([.map([YAMLEntry("count", .int(requirements.threshold)), YAMLEntry("entries", .list(keys))])]),
                                comments: [
                                    "admission.threshold \(requirements.threshold): distinct trusted keys that must sign; securerun's attestations are signed by key, not logged in a transparency log"
                                ]),
                            YAMLEntry("conditions", .list([.map([YAMLEntry("all", .list(conditions))])]), comments: acceptedComments),
                        ])
                    ])),
            ])
        ])
    }

    /// A JMESPath expression: how many blocking findings (Trivy's or Grype's) are not accepted right now.
    static func openFindings(_ requirements: AttestationRequirements) -> String {
        func literal(_ values: [String]) -> String { "`[" + values.map { "\"\($0)\"" }.joined(separator: ",") + "]`" }
        let trivy = "scanner.result.Results[].Vulnerabilities[?contains(\(literal(requirements.blocking)), Severity)].VulnerabilityID[]"
        let grype = "scanner.result.matches[?contains(\(literal(requirements.blockingGrype)), vulnerability.severity)].vulnerability.id"
        // Each accepted id counts only while time_now_utc() is before its expiry.
        let active =
            requirements.accepted.isEmpty
            ? "`[]`"
            : "[" + requirements.accepted.map { "(time_before(time_now_utc(), '\($0.expires)') && '\($0.id)') || ''" }.joined(separator: ", ") + "]"
        return "[(\(trivy) || `[]`), (\(grype) || `[]`)][] | [?!contains(\(active), to_upper(@))] | length(@)"
    }

    /// `deny: {conditions: {any|all: [...]}}`, the shape of every refusal condition in a Kyverno rule.
    static func denyWhenAny(_ conditions: [YAMLNode]) -> YAMLEntry {
        YAMLEntry("deny", .map([YAMLEntry("conditions", .map([YAMLEntry("any", .list(conditions))]))]))
    }
}
