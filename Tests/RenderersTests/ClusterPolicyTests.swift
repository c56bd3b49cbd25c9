import Admission
import Foundation
import Testing

@testable import Policy
@testable import Renderers

/// The profile for the cluster's own engines. The ValidatingAdmissionPolicy, its binding and the webhook
/// configuration are core Kubernetes objects and validate strictly with kubernetes-validate. Kyverno's
/// ClusterPolicy and policy-controller's ClusterImagePolicy are custom resources kubernetes-validate has no
/// schema for ("Couldn't find schema", which would pass silently), so they are parsed with Yams, compared
/// in shape with the reference policies, and checked to carry the profile's keys, age and severities.
@Suite("Renderers: cluster policies")
struct ClusterPolicyTests {
    static func requirements(_ profile: Profile, keys: [TrustedKey]) -> AttestationRequirements {
        AttestationRequirements(profile: profile, keys: keys)
    }

    @Test("the ValidatingAdmissionPolicy, its binding and the webhook configuration validate strictly for 1.30 and the newest")
    func coreObjectsValidate() throws {
        guard let tool = Validators.kubernetesValidate() else { return }
        let newest = try Validators.newestVersion(tool)
        let directory = try KubernetesFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for profile in try KubernetesFixtures.profiles() {
            let values = try KubernetesProfile(profile: profile)
            let file = directory.appendingPathComponent("\(profile.name)-vap.yaml")
            try YAMLNode.stream(AdmissionPolicyRenderer.render(values, exemptNamespaces: ["kube-system"])).write(to: file, atomically: true, encoding: .utf8)
            for version in ["1.30.0", newest] { try Validators.validate(tool, file: file, version: version, resources: 2) }
        }
        let webhook = directory.appendingPathComponent("webhook.yaml")
        let config = WebhookConfigRenderer.render(
            service: .init(
                name: "securerun-admission", namespace: "securerun-system", caBundle: Data("-----BEGIN CERTIFICATE-----\n".utf8).base64EncodedString()),
            exemptNamespaces: ["kube-system", "securerun-system"])
        try config.write(to: webhook, atomically: true, encoding: .utf8)
        for version in ["1.30.0", newest] { try Validators.validate(tool, file: webhook, version: version, resources: 1) }
    }

    @Test("the exported pod passes the policy's CEL, and a pod loosened in any one way is denied by that rule's check")
    func celDecides() throws {
        guard let python = Validators.python(celpy: true) else { return }
        let script = KubernetesFixtures.packageRoot.appendingPathComponent("Tests/tools/evaluate-vap.py").path
        let directory = try KubernetesFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for profile in try KubernetesFixtures.profiles() {
            let values = try KubernetesProfile(profile: profile)
            let policy = directory.appendingPathComponent("\(profile.name)-vap.yaml")
            let pod = directory.appendingPathComponent("\(profile.name)-pod.yaml")
            try YAMLNode.stream(AdmissionPolicyRenderer.render(values, exemptNamespaces: [])).write(to: policy, atomically: true, encoding: .utf8)
            try KubernetesRenderer.render(values, workload: .init(name: "app", kind: .pod, image: KubernetesFixtures.image))
                .write(to: pod, atomically: true, encoding: .utf8)
            let result = try Validators.run(python, [script, policy.path, pod.path])
            #expect(result.status == 0 && result.output.contains("0 wrong decisions"), "\(profile.name):\n\(result.output)")
        }
    }

    @Test("the webhook configuration fails closed, has no side effects and exempts only by the namespace-name label")
    func webhookConfiguration() throws {
        let text = WebhookConfigRenderer.render(service: .init(name: "svc", namespace: "ns", caBundle: nil), exemptNamespaces: ["kube-system"])
        let hook = try #require(value(try KubernetesFixtures.documents(text)[0], ["webhooks", 0]) as? [String: Any])
        #expect(hook["failurePolicy"] as? String == "Fail")
        #expect(hook["sideEffects"] as? String == "None")
        #expect(hook["matchPolicy"] as? String == "Equivalent")
        #expect(hook["timeoutSeconds"] as? Int == 10)
        #expect(hook["admissionReviewVersions"] as? [String] == ["v1"])
        #expect(value(hook, ["clientConfig", "service", "path"]) as? String == "/validate")
        #expect(value(hook, ["clientConfig", "service", "port"]) as? Int == 8443)
        #expect(value(hook, ["rules", 0, "resources"]) as? [String] == ["pods"])
        #expect(value(hook, ["rules", 0, "operations"]) as? [String] == ["CREATE", "UPDATE"])
        #expect(value(hook, ["rules", 1, "resources"]) as? [String] == ["pods/ephemeralcontainers"])
        let selector = try #require(value(hook, ["namespaceSelector", "matchExpressions", 0]) as? [String: Any])
        #expect(selector["key"] as? String == "kubernetes.io/metadata.name")
        #expect(selector["operator"] as? String == "NotIn")
        #expect(selector["values"] as? [String] == ["kube-system"])
    }

    @Test("the CEL checks name the profile's values and every container list", arguments: ["default", "wide"])
    func celChecks(profileName: String) throws {
        let profile = try #require(try KubernetesFixtures.profiles().first { $0.name == profileName })
        let values = try KubernetesProfile(profile: profile)
        let docs = try KubernetesFixtures.documents(YAMLNode.stream(AdmissionPolicyRenderer.render(values, exemptNamespaces: ["kube-system"])))
        let validations = try #require(value(docs[0], ["spec", "validations"]) as? [[String: Any]])
        let expressions = validations.compactMap { $0["expression"] as? String }.joined(separator: "\n")
        let messages = validations.compactMap { $0["message"] as? String }
        for rule in ["SR001", "SR002", "SR003", "SR004", "SR005", "SR006", "SR007", "SR009", "SR010", "SR011", "SR012", "SR013", "SR015", "SR026"] {
            #expect(messages.contains { $0.contains("[\(rule) ") }, "no check for \(rule)")
        }
        #expect(expressions.contains("object.spec.ephemeralContainers.all(c,"))
        #expect(expressions.contains("object.spec.initContainers.all(c,"))
        #expect(expressions.contains("'\(values.seccompFile)'"))
        #expect(expressions.contains("quantity('\(values.memory)')"))
        #expect(expressions.contains("quantity('\(values.cpu)')"))
        #expect(expressions.contains("@sha256:[0-9a-f]{64}$"))
        #expect(value(docs[1], ["spec", "validationActions"]) as? [String] == ["Deny"])
        #expect(value(docs[1], ["spec", "policyName"]) as? String == value(docs[0], ["metadata", "name"]) as? String)
        if profileName == "wide" {
            #expect(expressions.contains("'NET_BIND_SERVICE'"))
            #expect(expressions.contains("c.image.startsWith('127.0.0.1:5000/')"))
        }
        // Balanced parentheses: a cheap guard against a broken generated expression.
        for expression in validations.compactMap({ $0["expression"] as? String }) {
            #expect(expression.filter { $0 == "(" }.count == expression.filter { $0 == ")" }.count, "\(expression)")
        }
    }

    @Test("the Kyverno policy has the reference's shape and carries the keys, scan age, severities and accepted findings")
    func kyverno() throws {
        let reference = try KubernetesFixtures.documents(
            String(contentsOf: try KubernetesFixtures.fixture("kyverno-require-vulnerability-scan.yaml"), encoding: .utf8))[0]
        let keys = KubernetesFixtures.keys()
        for profile in try KubernetesFixtures.profiles() {
            let values = try KubernetesProfile(profile: profile)
            let requirements = Self.requirements(profile, keys: keys)
            let text = KyvernoRenderer.render(values, requirements: requirements, exemptNamespaces: ["kube-system"])
            let policy = try KubernetesFixtures.documents(text)[0]
            #expect(policy["apiVersion"] as? String == reference["apiVersion"] as? String)
            #expect(policy["kind"] as? String == reference["kind"] as? String)
            #expect(value(policy, ["spec", "failurePolicy"]) as? String == "Fail")
            #expect(value(policy, ["spec", "validationFailureAction"]) as? String == "Enforce")
            let rules = try #require(value(policy, ["spec", "rules"]) as? [[String: Any]])
            for rule in rules {
                #expect(
                    value(rule, ["match", "any", 0, "resources", "kinds"]) as? [String] == value(
                        reference, ["spec", "rules", 0, "match", "any", 0, "resources", "kinds"]) as? [String])
                #expect(rule["validate"] != nil || rule["verifyImages"] != nil)
            }
            let verify = try #require(rules.last.flatMap { value($0, ["verifyImages", 0]) } as? [String: Any])
            #expect(verify["verifyDigest"] as? Bool == true)
            let attestation = try #require(value(verify, ["attestations", 0]) as? [String: Any])
            // The reference names the type without its scheme (an older Kyverno spelling); cosign's type is the https one.
            let referenceType = try #require(value(reference, ["spec", "rules", 0, "verifyImages", 0, "attestations", 0, "predicateType"]) as? String)
            #expect(attestation["type"] as? String == "https://" + referenceType)
            #expect(attestation["type"] as? String == VulnPredicate.predicateType)
            #expect(value(attestation, ["attestors", 0, "count"]) as? Int == profile.admission.threshold)
            let entries = try #require(value(attestation, ["attestors", 0, "entries"]) as? [[String: Any]])
            #expect(entries.compactMap { value($0, ["keys", "publicKeys"]) as? String } == keys.map(\.key.pemRepresentation))
            let conditions = try #require(value(attestation, ["conditions", 0, "all"]) as? [[String: Any]])
            let age = try #require(conditions.first { ($0["key"] as? String)?.contains("time_since") == true })
            let referenceAge = try #require(
                value(reference, ["spec", "rules", 0, "verifyImages", 0, "attestations", 0, "conditions", 0, "all", 0]) as? [String: Any])
            #expect(age["key"] as? String == referenceAge["key"] as? String)
            #expect(age["operator"] as? String == referenceAge["operator"] as? String)
            let seconds = try #require(try profile.admission.scanAgeLimit()).seconds
            #expect(age["value"] as? String == "\(Int(seconds) / 3600)h")
            let findings = try #require(conditions.first { ($0["key"] as? String)?.contains("scanner.result") == true }?["key"] as? String)
            for severity in Severity.allCases {
                #expect(findings.contains("\"\(severity.rawValue)\"") == (severity >= profile.admission.blockAt), "\(severity) in \(findings)")
            }
            for entry in profile.admission.ignore {
                #expect(findings.contains("'\(entry.id.uppercased())'"))
                #expect(findings.contains("'\(entry.expiryDate.map(Timestamp.format) ?? "")'"))
                #expect(text.contains(entry.reason))
            }
            #expect(text.contains("cannot read the seccomp file"))
        }
    }

    @Test("the policy-controller policy has the reference's shape and carries the keys, scan age, severities and accepted findings")
    func policyController() throws {
        let reference = try KubernetesFixtures.documents(
            String(contentsOf: try KubernetesFixtures.fixture("policy-catalog-must-have-vuln-cue.yaml"), encoding: .utf8))[0]
        let keys = KubernetesFixtures.keys()
        for profile in try KubernetesFixtures.profiles() {
            let values = try KubernetesProfile(profile: profile)
            let text = PolicyControllerRenderer.render(values, requirements: Self.requirements(profile, keys: keys))
            let policy = try KubernetesFixtures.documents(text)[0]
            #expect(policy["apiVersion"] as? String == reference["apiVersion"] as? String)
            #expect(policy["kind"] as? String == reference["kind"] as? String)
            #expect(value(policy, ["spec", "mode"]) as? String == "enforce")
            #expect(value(policy, ["spec", "images", 0, "glob"]) as? String != nil)
            let authorities = try #require(value(policy, ["spec", "authorities"]) as? [[String: Any]])
            #expect(authorities.compactMap { value($0, ["key", "data"]) as? String } == keys.map(\.key.pemRepresentation))
            for authority in authorities {
                let attestation = try #require(value(authority, ["attestations", 0]) as? [String: Any])
                #expect(attestation["predicateType"] as? String == value(reference, ["spec", "authorities", 0, "attestations", 0, "predicateType"]) as? String)
                #expect(value(attestation, ["policy", "type"]) as? String == "rego")
                let rego = try #require(value(attestation, ["policy", "data"]) as? String)
                #expect(rego.hasPrefix("package sigstore\n"))
                let seconds = try #require(try profile.admission.scanAgeLimit()).seconds
                #expect(rego.contains("maxAgeNs := \(Int(seconds)) * 1000000000"))
                let blocking = Severity.allCases.filter { $0 >= profile.admission.blockAt }.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                #expect(rego.contains("blocking := {\(blocking)}"))
                for entry in profile.admission.ignore {
                    #expect(rego.contains("\"\(entry.id.uppercased())\": \"\(entry.expiryDate.map(Timestamp.format) ?? "")\""))
                }
                #expect(rego.contains("input.predicateType == \"\(VulnPredicate.predicateType)\""))
            }
            if profile.allowedRegistries.isEmpty {
                #expect(value(policy, ["spec", "images"]) as? [[String: String]] == [["glob": "**"]])
            } else {
                #expect(value(policy, ["spec", "images"]) as? [[String: String]] == profile.allowedRegistries.map { ["glob": "\($0)/**"] })
            }
            #expect(text.contains("cannot check the pod's security"))
        }
    }
}
