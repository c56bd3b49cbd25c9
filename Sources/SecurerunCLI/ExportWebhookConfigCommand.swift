import ArgumentParser
import Foundation
import HostSystem
import Renderers

/// `securerun export webhook-config`: the ValidatingWebhookConfiguration for securerun's admission webhook.
struct ExportWebhookConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook-config",
        abstract: "Write the ValidatingWebhookConfiguration that sends pods to securerun admission serve.",
        discussion: """
            failurePolicy Fail, sideEffects None, timeoutSeconds 10, matchPolicy Equivalent, admissionReviewVersions \
            v1; pods on CREATE and UPDATE and pods/ephemeralcontainers and pods/resize on UPDATE; namespaces exempted only by their \
            kubernetes.io/metadata.name label (kube-system and the webhook's own namespace unless --exempt-namespace \
            says otherwise); the Service's path /validate on port 8443.
            """)

    @Option(help: "The webhook's Service.")
    var serviceName: String = "securerun-admission"

    @Option(help: "The Service's namespace.")
    var namespace: String = "securerun-system"

    @Option(help: "The PEM file of the CA that signed the webhook's certificate (written as caBundle).")
    var caBundle: String?

    @OptionGroup var exempt: ExemptNamespaces

    @Option(name: [.customShort("o"), .customLong("output")], help: "A directory for the file (default: stdout).")
    var output: String?

    func run() async throws {
        try await reportingErrors {
            var bundle: String?
            if let caBundle { bundle = try Self.readCABundle(caBundle) }
            // The webhook cannot judge its own pods while it is down: its namespace is exempt too.
            let namespaces = exempt.namespaces.isEmpty ? ["kube-system", namespace] : exempt.namespaces
            let yaml = WebhookConfigRenderer.render(
                service: .init(name: serviceName, namespace: namespace, caBundle: bundle), exemptNamespaces: Array(Set(namespaces)).sorted())
            try ExportOutput(directory: output).write([("securerun-webhook-config.yaml", Data(yaml.utf8))])
        }
    }

    /// The file's PEM certificates, base64 as `caBundle` takes them. Read only when it is a regular file
    /// of at most 1 MiB, so a FIFO or device named by mistake cannot hang the export.
    static func readCABundle(_ path: String) throws(ExportError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.readRegular(path, limit: 1 << 20, followLinks: true)
        } catch {
            switch error {
            case .notRegular: throw .badCABundle(path: path, reason: "not a regular file")
            case .tooLarge: throw .badCABundle(path: path, reason: "larger than 1 MiB")
            case .system(let cause): throw .badCABundle(path: path, reason: String(cString: strerror(cause.errno)).lowercased())
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self), text.contains("-----BEGIN CERTIFICATE-----") else {
            throw .badCABundle(path: path, reason: "not a PEM certificate file")
        }
        return Data(bytes).base64EncodedString()
    }
}
