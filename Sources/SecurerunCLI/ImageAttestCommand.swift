import Admission
import ArgumentParser
import Foundation
import Images

extension VulnScanner: ExpressibleByArgument {}

/// `securerun image attest`: sign a scanner report into a vulnerability attestation for an image.
struct ImageAttestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Wrap a Trivy or Grype JSON report into a signed cosign vuln attestation for the image's digest and store it.")

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var image: String

    @Option(help: ArgumentHelp("The scanner's JSON report (trivy image -f json, grype -o json).", valueName: "FILE"))
    var report: String

    @Option(help: "trivy or grype (default: detected from the report).")
    var scanner: VulnScanner?

    @Option(help: ArgumentHelp("The private key (PKCS#8 PEM from 'securerun key generate').", valueName: "KEY"))
    var key: String

    @Option(help: ArgumentHelp("Also write the envelope to FILE.", valueName: "FILE"))
    var output: String?

    func run() async throws {
        try await reportingErrors {
            let root = try securedStateRoot()
            let stored = try ImageStore(root: root).resolve(image)
            let digest = try ImageDigest(stored.manifestDigest)
            let signingKey = try KeyFiles.readSigningKey(key)
            let reportData: Data
            do {
                reportData = try Data(contentsOf: URL(fileURLWithPath: report))
            } catch {
                throw AdmissionError.io(path: report, operation: "read report", detail: "\(error.localizedDescription.lowercased())")
            }
            let parsed = try ScanReport.parse(reportData, as: scanner, source: report)
            let envelope = try VulnAttestation.envelope(
                report: reportData, scanner: parsed.scanner, subjectName: subjectName(stored.names.first ?? image),
                digest: digest, key: signingKey, source: report)
            let file = try AttestationStore(root: root).add(envelope: envelope, for: digest)
            if let output {
                do {
                    try envelope.write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw AdmissionError.io(path: output, operation: "write", detail: "\(error.localizedDescription.lowercased())")
                }
            }
            let counts = Severity.allCases.reversed().compactMap { severity -> String? in
                let count = parsed.countsBySeverity[severity] ?? 0
                return count > 0 ? "\(count) \(severity)" : nil
            }
            let summary = counts.isEmpty ? "no vulnerabilities" : "\(parsed.vulnerabilities.count) vulnerabilities: " + counts.joined(separator: ", ")
            print("attested \(image) (\(digest)) with a \(parsed.scanner.rawValue) report (\(summary))")
            print("stored \(file.path)")
            let trusted = AdmissionGate(stateRoot: root).trustedKeys(for: AdmissionPolicy(trustedKeys: [])).keys
            if !trusted.contains(where: { $0.key == signingKey.publicKey }) {
                printError("note: this key is not in \(root.path)/trusted-keys; trust its public key with 'securerun key trust' or list it in the profile")
            }
        }
    }

    /// The repository part of a reference (cosign's subject name): `registry/repo:tag` → `registry/repo`.
    private func subjectName(_ reference: String) -> String {
        var name = reference
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = String(name[..<colon]) }
        return name
    }
}
