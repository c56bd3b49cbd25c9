import Crypto
import Foundation

/// A private key that signs attestations, stored as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
public struct SigningKey: Sendable {
    // Raw scalar / seed bytes: swift-crypto's key types are not Sendable, so keys are rebuilt on use.
    private enum Material: Sendable {
        case p256(Data)
        case ed25519(Data)
    }

    private let material: Material

    /// A fresh random key.
    public static func generate(_ algorithm: KeyAlgorithm) -> SigningKey {
        switch algorithm {
        case .ecdsaP256: return SigningKey(material: .p256(P256.Signing.PrivateKey().rawRepresentation))
        case .ed25519: return SigningKey(material: .ed25519(Curve25519.Signing.PrivateKey().rawRepresentation))
        }
    }

    private init(material: Material) {
        self.material = material
    }

    /// Reads a PKCS#8 PEM private key (P-256 also as SEC1 `EC PRIVATE KEY`); `source` names the file in errors.
    public init(pem: String, source: String) throws {
        let block = try PEMBlock(text: pem, source: source)
        switch block.label {
        case "PRIVATE KEY":
            if block.der.count == 48, block.der.prefix(16) == KeyAlgorithm.ed25519PKCS8Prefix {
                guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: block.der.suffix(32)) else {
                    throw AdmissionError.invalidKey(path: source, detail: "invalid ed25519 private key")
                }
                material = .ed25519(key.rawRepresentation)
            } else if let key = try? P256.Signing.PrivateKey(derRepresentation: block.der) {
                material = .p256(key.rawRepresentation)
            } else if block.der.range(of: KeyAlgorithm.rsaOID) != nil {
                throw AdmissionError.unsupportedKeyType(path: source, algorithm: "rsa")
            } else {
                throw AdmissionError.invalidKey(path: source, detail: "not an ecdsa p-256 or ed25519 pkcs#8 private key")
            }
        case "EC PRIVATE KEY":
            guard let key = try? P256.Signing.PrivateKey(derRepresentation: block.der) else {
                throw AdmissionError.unsupportedKeyType(path: source, algorithm: "ecdsa on a curve other than p-256")
            }
            material = .p256(key.rawRepresentation)
        case "ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
            throw AdmissionError.invalidKey(
                path: source, detail: "encrypted private keys are not supported; use 'securerun key generate'")
        default:
            throw AdmissionError.invalidKey(path: source, detail: "expected a PRIVATE KEY pem block, found \(block.label)")
        }
    }

    /// The algorithm of this key.
    public var algorithm: KeyAlgorithm {
        switch material {
        case .p256: return .ecdsaP256
        case .ed25519: return .ed25519
        }
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Keep it secret: write it with mode 0600.
    public var pemRepresentation: String {
        switch material {
        case .p256(let raw):
            guard let key = try? P256.Signing.PrivateKey(rawRepresentation: raw) else { return "" }
            return PEMBlock(label: "PRIVATE KEY", der: key.derRepresentation).text
        case .ed25519(let raw):
            return PEMBlock(label: "PRIVATE KEY", der: KeyAlgorithm.ed25519PKCS8Prefix + raw).text
        }
    }

    /// The matching public key.
    public var publicKey: PublicKey {
        var der = Data()
        switch material {
        case .p256(let raw):
            if let key = try? P256.Signing.PrivateKey(rawRepresentation: raw) { der = key.publicKey.derRepresentation }
        case .ed25519(let raw):
            if let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) {
                der = KeyAlgorithm.ed25519SPKIPrefix + key.publicKey.rawRepresentation
            }
        }
        // The DER comes from the crypto library itself, so it needs no re-parsing.
        return PublicKey(trustedAlgorithm: algorithm, spkiDER: der)
    }

    /// Signs `message`: P-256 with SHA-256 and an ASN.1 DER signature (what cosign writes), Ed25519 as is.
    public func sign(_ message: Data) throws -> Data {
        do {
            switch material {
            case .p256(let raw): return try P256.Signing.PrivateKey(rawRepresentation: raw).signature(for: message).derRepresentation
            case .ed25519(let raw): return try Curve25519.Signing.PrivateKey(rawRepresentation: raw).signature(for: message)
            }
        } catch {
            throw AdmissionError.signingFailed(detail: "\(error)")
        }
    }
}
