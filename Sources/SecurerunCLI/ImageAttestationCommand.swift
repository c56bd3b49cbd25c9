import Admission
import ArgumentParser
import Foundation
import Images

/// `securerun image attestation …`: attestations made elsewhere (cosign, CI).
struct ImageAttestationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attestation",
        abstract: "Add vulnerability attestations made elsewhere (e.g. cosign attest --type vuln).",
        subcommands: [ImageAttestationAddCommand.self])
}

/// `securerun image attestation add`: store a DSSE envelope with an image.
struct ImageAttestationAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Store a DSSE attestation envelope with an image; it must parse, and problems are reported.")

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var image: String

    @Argument(help: "The DSSE envelope JSON (an in-toto statement with the cosign vuln predicate).")
    var file: String

    func run() async throws {
        try await reportingErrors {
            let root = try securedStateRoot()
            let stored = try ImageStore(root: root).resolve(image)
            let digest = try ImageDigest(stored.manifestDigest)
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw AdmissionError.io(path: file, operation: "read", detail: "\(error.localizedDescription.lowercased())")
            }
            let keys = AdmissionGate(stateRoot: root).trustedKeys(for: AdmissionPolicy(trustedKeys: [])).keys
            let findings = try AttestationIntake.inspect(envelope: data, source: file, digest: digest, keys: keys)
            let destination = try AttestationStore(root: root).add(envelope: data, for: digest)
            print("stored \(destination.path) for \(image) (\(digest))")
            if !findings.signers.isEmpty { print("signed by \(findings.signers.joined(separator: ", "))") }
            for warning in findings.warnings { printError("warning: \(warning)") }
        }
    }
}
