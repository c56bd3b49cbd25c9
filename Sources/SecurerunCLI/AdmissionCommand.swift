import ArgumentParser

/// `securerun admission serve`: the Kubernetes validating admission webhook. It is a server on SwiftNIO,
/// so it lives in securerun-net; the command line goes there as typed.
struct AdmissionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admission", abstract: "Judge Kubernetes pods as a validating admission webhook.",
        discussion: """
            serve --tls-cert F --tls-key F [--profile P] [--listen ADDR:PORT] [--log-level L]
                answer AdmissionReviews over HTTPS on POST /validate (default listen 0.0.0.0:8443), with GET /healthz and GET /metrics
            """)

    @Argument(parsing: .captureForPassthrough, help: "serve, and its options.")
    var arguments: [String] = []

    func run() throws { try NetExecutable.forward() }
}
