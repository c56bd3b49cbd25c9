import ArgumentParser
import Foundation
import Logging
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

    func validate() throws {
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
            let state = try AdmissionState(certificatePath: tlsCert, keyPath: tlsKey, profileName: profile, stateRoot: root, logger: logger)
            try await AdmissionServer.run(host: host, port: port, state: state)
        }
    }
}
