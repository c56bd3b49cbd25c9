import Admission
import ArgumentParser
import Foundation
import Policy
import Renderers

/// `securerun export policies`: the profile's decision for the cluster's own admission engines.
struct ExportPoliciesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policies",
        abstract: "Write a profile as a ValidatingAdmissionPolicy, a Kyverno ClusterPolicy and a policy-controller ClusterImagePolicy.",
        discussion: """
            The ValidatingAdmissionPolicy (CEL, built into Kubernetes 1.30+) and its binding check the pod floor. \
            The Kyverno ClusterPolicy checks the floor too, and verifyImages requires the cosign vulnerability \
            attestation signed by the trusted keys (the profile's and securerun key trust's), no older than \
            maxScanAge, with no finding at blockAt or above that the profile does not accept. The sigstore \
            policy-controller ClusterImagePolicy requires the same attestation (rego). None of them can check \
            the seccomp file on the nodes; securerun admission serve does.
            """)

    @Option(help: "The profile (name or file; default: default).")
    var profile: String?

    @OptionGroup var exempt: ExemptNamespaces

    @Option(name: [.customShort("o"), .customLong("output")], help: "A directory for the three files (default: all on stdout).")
    var output: String?

    func run() async throws {
        try await reportingErrors {
            let loaded = try ProfileLoader.load(ProfileLoader.requested(profile))
            let values = try KubernetesProfile(profile: loaded)
            // The keys admission trusts on this host: the state root's and the profile's.
            let root = (try? securedStateRoot()) ?? stateRoot()
            let keys = KeyFiles.list(stateRoot: root, policy: loaded.admission).keys.map(\.key)
            if keys.isEmpty && !loaded.admission.allowUnattested { throw ExportError.noTrustedKeys(profile: loaded.name) }
            let requirements = AttestationRequirements(profile: loaded, keys: keys)
            let base = AdmissionPolicyRenderer.name(values)
            let files: [(name: String, contents: Data)] = [
                ("\(base)-validating-admission-policy.yaml", Data(YAMLNode.stream(AdmissionPolicyRenderer.render(values, exemptNamespaces: exempt.list)).utf8)),
                ("\(base)-kyverno.yaml", Data(KyvernoRenderer.render(values, requirements: requirements, exemptNamespaces: exempt.list).utf8)),
                ("\(base)-policy-controller.yaml", Data(PolicyControllerRenderer.render(values, requirements: requirements).utf8)),
            ]
            if output == nil {
                // One stream: separate the files' documents.
                let stream = YAMLNode.stream(files.map { String(decoding: $0.contents, as: UTF8.self) })
                FileHandle.standardOutput.write(Data(stream.utf8))
            } else {
                try ExportOutput(directory: output).write(files)
            }
        }
    }
}
