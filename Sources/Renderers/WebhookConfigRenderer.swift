/// The ValidatingWebhookConfiguration that sends pods to securerun's admission webhook
/// (`securerun admission serve`): it fails closed, has no side effects, and exempts namespaces only by
/// the name label the API server sets.
public enum WebhookConfigRenderer {
    /// Where the webhook runs in the cluster.
    public struct Service: Sendable {
        /// The Service's name.
        public var name: String
        /// Its namespace.
        public var namespace: String
        /// The port the Service forwards to the webhook's listener.
        public var port: Int
        /// The path the webhook serves reviews on.
        public var path: String
        /// The CA that signed the webhook's certificate, base64 of its PEM; nil leaves `caBundle` out.
        public var caBundle: String?

        /// A service.
        public init(name: String, namespace: String, port: Int = WebhookConfigRenderer.port, path: String = WebhookConfigRenderer.path, caBundle: String?) {
            self.name = name
            self.namespace = namespace
            self.port = port
            self.path = path
            self.caBundle = caBundle
        }
    }

    /// The path `securerun admission serve` answers reviews on.
    public static let path = "/validate"
    /// The port it listens on.
    public static let port = 8443
    /// How long the API server waits: verification (signature, scan, cached attestations) fits well inside.
    public static let timeoutSeconds = 10
    /// The webhook's name; under `.invalid`, a domain that never resolves, so it cannot collide with a real one.
    public static let webhookName = "pods.securerun.invalid"

    /// The configuration as one YAML document.
    public static func render(service: Service, exemptNamespaces: [String]) -> String {
        var client = [
            YAMLEntry(
                "service",
                .map([
                    YAMLEntry("name", .string(service.name)), YAMLEntry("namespace", .string(service.namespace)),
                    YAMLEntry("path", .string(service.path)), YAMLEntry("port", .int(service.port)),
                ]))
        ]
        if let caBundle = service.caBundle {
            client.append(YAMLEntry("caBundle", .string(caBundle)))
        }
        let webhook = YAMLNode.map([
            YAMLEntry("name", .string(webhookName)),
            YAMLEntry("admissionReviewVersions", .strings(["v1"])),
            YAMLEntry("sideEffects", .plain("None"), comments: ["dry-run requests are judged too: the webhook changes nothing"]),
            YAMLEntry("failurePolicy", .plain("Fail"), comments: ["fail closed: when the webhook does not answer, pods are refused"]),
            YAMLEntry("matchPolicy", .plain("Equivalent"), comments: ["a pod sent through another API version is judged too"]),
            YAMLEntry("timeoutSeconds", .int(timeoutSeconds)),
            YAMLEntry(
                "rules", AdmissionPolicyRenderer.podRules,
                comments: ["pods, the ephemeralcontainers subresource kubectl debug writes to, and resize (in-place limits, 1.33)"]),
            YAMLEntry(
                "namespaceSelector", AdmissionPolicyRenderer.namespaceSelector(exempt: exemptNamespaces),
                comments: [
                    "exempt only by kubernetes.io/metadata.name, which the API server sets to the namespace's name:",
                    "a namespace cannot exempt itself with a label of its own",
                ]),
            YAMLEntry(
                "clientConfig", .map(client),
                comments: service.caBundle == nil
                    ? ["set caBundle to the base64 PEM of the CA that signed the webhook's certificate (--ca-bundle FILE)"] : []),
        ])
        let configuration = YAMLNode.map([
            YAMLEntry("apiVersion", .plain("admissionregistration.k8s.io/v1")), YAMLEntry("kind", .plain("ValidatingWebhookConfiguration")),
            YAMLEntry("metadata", .map([YAMLEntry("name", .string("securerun"))])),
            YAMLEntry("webhooks", .list([webhook])),
        ])
        return configuration.document(header: [
            "Sends every pod (and every ephemeral container kubectl debug adds) to securerun's admission webhook,",
            "securerun admission serve, which takes the same decision as securerun run: the profile's floor and",
            "the image's signed, fresh, passing vulnerability attestation.",
        ])
    }
}
