import Admission
import Policy

/// The profile's attestation requirement as a sigstore policy-controller ClusterImagePolicy
/// (policy.sigstore.dev/v1beta1): one key authority per trusted key, each requiring the cosign vuln
/// attestation whose rego policy checks scan age, blocking severities and accepted findings.
public enum PolicyControllerRenderer {
    /// The ClusterImagePolicy as one YAML document.
    public static func render(_ values: KubernetesProfile, requirements: AttestationRequirements) -> String {
        let authorities = requirements.keys.map { key in
            YAMLNode.map([
                YAMLEntry("name", .string("key-\(key.key.keyID.prefix(16))"), comments: ["\(key.name)"]),
                YAMLEntry("key", .map([YAMLEntry("data", .block(key.key.pemRepresentation)), YAMLEntry("hashAlgorithm", .plain("sha256"))])),
                YAMLEntry(
                    "attestations",
                    .list([
                        .map([
                            YAMLEntry("name", .string("vulnerability-scan")),
                            YAMLEntry("predicateType", .string(AttestationRequirements.predicateType)),
                            YAMLEntry("policy", .map([YAMLEntry("type", .plain("rego")), YAMLEntry("data", .block(rego(requirements)))])),
                        ])
                    ])),
            ])
        }
        var header = [
            "securerun profile \"\(values.profile.name)\" as a sigstore policy-controller ClusterImagePolicy.",
            "It checks the image's vulnerability attestation only. policy-controller cannot check the pod's security",
            "context or the seccomp file on the nodes: the ValidatingAdmissionPolicy and securerun's admission",
            "webhook (securerun admission serve) cover those.",
            "An image passes when one authority (one trusted key) passes.",
        ]
        if requirements.threshold > 1 {
            header.append("admission.threshold \(requirements.threshold) (distinct keys signing one attestation) has no policy-controller")
            header.append("equivalent; the Kyverno policy (attestors count) and the webhook enforce it.")
        }
        if requirements.allowUnattested {
            header.append("admission.allowUnattested is true: an image without an attestation is admitted, so set this policy's")
            header.append("namespaces to warn mode or leave it out.")
        }
        let policy = YAMLNode.map([
            YAMLEntry("apiVersion", .plain("policy.sigstore.dev/v1beta1")), YAMLEntry("kind", .plain("ClusterImagePolicy")),
            YAMLEntry("metadata", .map([YAMLEntry("name", .string(AdmissionPolicyRenderer.name(values)))])),
            YAMLEntry(
                "spec",
                .map([
                    YAMLEntry("mode", .plain(requirements.allowUnattested ? "warn" : "enforce")),
                    YAMLEntry("images", .list(requirements.imageGlobs(suffix: "**").map { .map([YAMLEntry("glob", .string($0))]) })),
                    YAMLEntry("authorities", .list(authorities)),
                ])),
        ])
        return policy.document(header: header)
    }

    /// The rego policy: the predicate type, the scan age, and no blocking finding that is not accepted now.
    static func rego(_ requirements: AttestationRequirements) -> String {
        var lines = [
            "package sigstore",
            "",
            "default isCompliant = false",
            "",
            "# admission.blockAt \(requirements.blockAt.rawValue): Trivy and Grype severities, compared upper-case.",
            "blocking := {\(requirements.blocking.map { "\"\($0)\"" }.joined(separator: ", "))}",
            "",
            "# admission.ignore: accepted findings and the instant each stops applying.",
        ]
        lines += requirements.accepted.map { "# \($0.id): \($0.reason.replacingOccurrences(of: "\n", with: " "))" }
        lines.append("accepted := {\(requirements.accepted.map { "\"\($0.id)\": \"\($0.expires)\"" }.joined(separator: ", "))}")
        lines += [
            "",
            "findings[id] {",
            "  v := input.predicate.scanner.result.Results[_].Vulnerabilities[_]",
            "  blocking[upper(v.Severity)]",
            "  id := upper(v.VulnerabilityID)",
            "}",
            "",
            "findings[id] {",
            "  m := input.predicate.scanner.result.matches[_]",
            "  blocking[upper(m.vulnerability.severity)]",
            "  id := upper(m.vulnerability.id)",
            "}",
            "",
            "stillAccepted(id) {",
            "  time.now_ns() < time.parse_rfc3339_ns(accepted[id])",
            "}",
            "",
            "open[id] {",
            "  findings[id]",
            "  not stillAccepted(id)",
            "}",
            "",
        ]
        if let seconds = requirements.maxAgeSeconds {
            lines += [
                "# admission.maxScanAge \(requirements.maxAgeText)",
                "maxAgeNs := \(seconds) * 1000000000",
                "",
                "fresh {",
                "  time.now_ns() < time.parse_rfc3339_ns(input.predicate.metadata.scanFinishedOn) + maxAgeNs",
                "}",
            ]
        } else {
            lines += ["# admission.maxScanAge unlimited", "fresh := true"]
        }
        lines += [
            "",
            "isCompliant {",
            "  input.predicateType == \"\(AttestationRequirements.predicateType)\"",
            "  fresh",
            "  count(open) == 0",
            "}",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
