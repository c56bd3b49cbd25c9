import ArgumentParser

/// `securerun admission serve`: the Kubernetes validating admission webhook. It is a server on SwiftNIO,
/// so it lives in securerun-net; the command line goes there as typed.
struct AdmissionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admission", abstract: "Judge Kubernetes pods as a validating admission webhook.",
        discussion: """
            serve --tls-cert F --tls-key F [--profile P] [--listen ADDR:PORT] [--log-level L]
                  [--insecure-registry HOST:PORT]... [--registry-timeout S] [--registry-cache-ttl S] [--registry-negative-ttl S]
                answer AdmissionReviews over HTTPS on POST /validate (default listen 0.0.0.0:8443), with GET /healthz and GET /metrics;
                attestations the store lacks are fetched from the image's registry and cached (timeout 4 s, 300 s, 30 s)
            """)

    @Argument(parsing: .captureForPassthrough, help: "serve, and its options.")
    var arguments: [String] = []

    func run() throws { try NetExecutable.forward() }
}
