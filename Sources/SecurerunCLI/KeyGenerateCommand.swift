import Admission
import ArgumentParser
import Foundation

extension KeyAlgorithm: ExpressibleByArgument {}

/// `securerun key generate`: a new attestation signing key pair.
struct KeyGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a signing key pair: PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub.")

    @Option(help: ArgumentHelp("Write PREFIX.key and PREFIX.pub (never overwrites).", valueName: "PREFIX"))
    var out: String

    @Option(name: .customLong("type"), help: "ecdsa-p256 (cosign's default) or ed25519.")
    var type: KeyAlgorithm = .ecdsaP256

    func run() async throws {
        try await reportingErrors {
            let key = SigningKey.generate(type)
            let files = try KeyFiles.write(key, prefix: out)
            print("wrote \(files.privateKey.path) (\(type.rawValue) private key, mode 0600) and \(files.publicKey.path)")
            print("trust it with: securerun key trust \(files.publicKey.path)")
        }
    }
}
