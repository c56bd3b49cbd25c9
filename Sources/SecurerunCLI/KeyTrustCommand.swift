import Admission
import ArgumentParser
import Foundation

/// `securerun key trust`: trust a public key for admission on this host.
struct KeyTrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Trust a PEM public key (ECDSA P-256 or Ed25519, e.g. cosign.pub) for attestation signatures.")

    @Argument(help: "The public key file (PEM SubjectPublicKeyInfo).")
    var file: String

    @Option(help: "The name to keep it under in the state root (default: the file's name; every cosign key is cosign.pub).")
    var name: String?

    func run() async throws {
        try await reportingErrors {
            let key = try TrustedKey.load(file: URL(fileURLWithPath: file)).key
            let (copy, added) = try KeyFiles.trust(publicKeyFile: file, stateRoot: try securedStateRoot(), name: name)
            if added {
                print("trusted \(copy.path) (\(key.algorithm.rawValue), keyid \(key.keyID))")
            } else {
                print("already trusted as \(copy.path) (\(key.algorithm.rawValue), keyid \(key.keyID))")
            }
        }
    }
}
