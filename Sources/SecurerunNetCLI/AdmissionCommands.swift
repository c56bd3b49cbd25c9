import ArgumentParser
import Foundation
import Logging
import Registry
import Renderers
import SecurerunCLI

/// `admission serve`: securerun as the cluster's validating admission webhook.
struct NetAdmissionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admission", abstract: "Judge Kubernetes pods as a validating admission webhook.", subcommands: [AdmissionServe.self])
}

/// `admission serve`: answer AdmissionReviews for pods with the profile and the admission gate.
struct AdmissionServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the validating admission webhook over HTTPS (POST /validate, GET /healthz, GET /metrics).",
        discussion: """
            Pods (CREATE, UPDATE, pods/ephemeralcontainers) are judged as securerun run judges a container: every \
            container against the profile and its floor, every image pinned by digest and admitted by its signed scan. \
            An image the store's attestations do not admit has its attestations fetched from its registry (one the \
            profile's allowedRegistries allows; HTTPS unless --insecure-registry names it), kept for \
            --registry-cache-ttl (nothing found, or an unreadable registry, for --registry-negative-ttl) and judged \
            again at every review; a registry that does not answer within --registry-timeout refuses the image. \
            Reloads the certificate and the profile when their files change and on SIGHUP; stops on SIGTERM.
            """)

    @Option(help: "Hardening profile every pod is held to (default: default).")
    var profile: String?

    @Option(help: "PEM certificate (chain) the webhook presents; its names must include the Service's DNS name.")
    var tlsCert: String

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String

    @Option(help: "Address and port to listen on (the Service forwards to 8443; [::]:8443 for IPv6).")
    var listen = "0.0.0.0:8443"

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    @Option(
        name: .customLong("insecure-registry"),
        help: ArgumentHelp("A loopback registry (HOST:PORT) to fetch attestations from in plain HTTP; repeatable.", valueName: "host:port"))
    var insecureRegistries: [String] = []

    @Option(help: "Seconds one image's attestation fetch may take, all requests together (under the webhook's timeoutSeconds).")
    var registryTimeout = 4.0

    @Option(
        name: .customLong("registry-cache-ttl"),
        help: "Seconds attestations fetched from a registry are judged again without asking it (a stale scan still refuses).")
    var registryCacheTTL = 300.0

    @Option(name: .customLong("registry-negative-ttl"), help: "Seconds a registry that had no attestation, or could not be read, is not asked again.")
    var registryNegativeTTL = 30.0

    func validate() throws {
        for registry in insecureRegistries where !RegistryClient.isLoopback(registry) {
            throw ValidationError("--insecure-registry \(registry): plain HTTP only to a loopback registry (127.0.0.1:PORT, [::1]:PORT, localhost:PORT)")
        }
        let limit = Double(WebhookConfigRenderer.timeoutSeconds)
        guard registryTimeout > 0, registryTimeout <= limit / 2 else {
            throw ValidationError(
                "--registry-timeout \(registryTimeout): give seconds above 0 and at most \(limit / 2), half the webhook configuration's timeoutSeconds (\(Int(limit))), so the review is answered in time"
            )
        }
        guard registryCacheTTL >= 0, registryCacheTTL <= 86400 else {
            throw ValidationError("--registry-cache-ttl \(registryCacheTTL): give 0 to 86400 seconds")
        }
        guard registryNegativeTTL >= 0, registryNegativeTTL <= 3600 else {
            throw ValidationError("--registry-negative-ttl \(registryNegativeTTL): give 0 to 3600 seconds")
        }
        guard Self.address(listen) != nil else { throw ValidationError("--listen \(listen): give ADDRESS:PORT, such as 0.0.0.0:8443 or [::]:8443") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \(logLevel): use trace, debug, info, notice, warning, error or critical")
        }
    }

    /// `host:port` or `[v6]:port`.
    static func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    func run() async throws {
        try await reportingErrors {
            var logger = Logger(label: "securerun.admission")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            guard let (host, port) = Self.address(listen) else { throw AdmissionSetupError("--listen \(listen): give ADDRESS:PORT") }
            let root = try openImageStore().root
            var registry = RegistryAttestationCache.Settings()
            registry.insecureRegistries = Set(insecureRegistries)
            registry.timeout = .milliseconds(Int64(registryTimeout * 1000))
            registry.freshFor = .milliseconds(Int64(registryCacheTTL * 1000))
            registry.negativeFor = .milliseconds(Int64(registryNegativeTTL * 1000))
            let state = try AdmissionState(
                certificatePath: tlsCert, keyPath: tlsKey, profileName: profile, stateRoot: root, registry: registry, logger: logger)
            try await AdmissionServer.run(host: host, port: port, state: state)
        }
    }
}
