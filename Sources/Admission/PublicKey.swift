import Crypto
import Foundation
import HostSystem

/// A public key that verifies attestation signatures: ECDSA P-256 or Ed25519, read from a PEM
/// SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`, as `cosign generate-key-pair` writes).
public struct PublicKey: Sendable, Hashable {
    /// The signature algorithm.
    public let algorithm: KeyAlgorithm
    /// The DER SubjectPublicKeyInfo; two keys are the same key when these bytes are equal.
    public let spkiDER: Data

    /// Reads a PEM public key; `source` names the file in errors.
    public init(pem: String, source: String) throws {
        let block = try PEMBlock(text: pem, source: source)
        guard block.label == "PUBLIC KEY" else {
            throw AdmissionError.invalidKey(path: source, detail: "expected a PUBLIC KEY pem block, found \(block.label)")
        }
        try self.init(spkiDER: block.der, source: source)
    }

    /// Wraps DER the crypto library produced itself.
    init(trustedAlgorithm algorithm: KeyAlgorithm, spkiDER: Data) {
        self.algorithm = algorithm
        self.spkiDER = spkiDER
    }

    /// Reads a DER SubjectPublicKeyInfo.
    public init(spkiDER: Data, source: String) throws {
        if spkiDER.count == 44, spkiDER.prefix(12) == KeyAlgorithm.ed25519SPKIPrefix {
            _ = try Curve25519.Signing.PublicKey(rawRepresentation: spkiDER.suffix(32))
            self.algorithm = .ed25519
        } else if let key = try? P256.Signing.PublicKey(derRepresentation: spkiDER) {
            self.algorithm = .ecdsaP256
            self.spkiDER = key.derRepresentation
            return
        } else if spkiDER.range(of: KeyAlgorithm.rsaOID) != nil {
            throw AdmissionError.unsupportedKeyType(path: source, algorithm: "rsa")
        } else if spkiDER.range(of: KeyAlgorithm.ecOID) != nil {
            throw AdmissionError.unsupportedKeyType(path: source, algorithm: "ecdsa on a curve other than p-256")
        } else {
            throw AdmissionError.invalidKey(path: source, detail: "not an ecdsa p-256 or ed25519 subjectpublickeyinfo")
        }
        self.spkiDER = spkiDER
    }

    /// The PEM text (`-----BEGIN PUBLIC KEY-----`).
    public var pemRepresentation: String {
        PEMBlock(label: "PUBLIC KEY", der: spkiDER).text
    }

    /// The keyid securerun writes into envelopes: lowercase hex SHA-256 of the DER SubjectPublicKeyInfo.
    /// It is only a hint for choosing keys, never a trust decision (DSSE protocol.md).
    public var keyID: String {
        HexText.encode(SHA256.hash(data: spkiDER))
    }

    /// Checks `signature` over `message`. P-256 takes ASN.1 DER or raw r||s (64 bytes) with SHA-256.
    public func isValidSignature(_ signature: Data, for message: Data) -> Bool {
        isValidSignature(signature, digest: SHA256.hash(data: message), message: message)
    }

    /// `isValidSignature(_:for:)` with the message's SHA-256 already computed (P-256 verifies the digest;
    /// Ed25519 signs the message itself).
    func isValidSignature(_ signature: Data, digest: SHA256.Digest, message: Data) -> Bool {
        switch algorithm {
        case .ecdsaP256:
            guard let key = try? P256.Signing.PublicKey(derRepresentation: spkiDER) else { return false }
            if let der = try? P256.Signing.ECDSASignature(derRepresentation: signature),
                key.isValidSignature(der, for: digest)
            {
                return true
            }
            if signature.count == 64, let raw = try? P256.Signing.ECDSASignature(rawRepresentation: signature) {
                return key.isValidSignature(raw, for: digest)
            }
            return false
        case .ed25519:
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: spkiDER.suffix(32)) else { return false }
            return key.isValidSignature(signature, for: message)
        }
    }
}
