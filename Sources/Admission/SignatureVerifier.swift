import Crypto
import Foundation

/// The outcome of checking an envelope's signatures: the exact payload bytes that were verified
/// and the trusted keys that signed them.
public struct VerifiedPayload: Sendable, Equatable {
    /// The payload type (authenticated through the PAE).
    public var payloadType: String
    /// The payload bytes the signatures cover; parse these, never the envelope again.
    public var payload: Data
    /// Names of the distinct trusted keys whose signatures verified.
    public var signers: [String]
}

/// What one trusted key says about one envelope.
public enum KeyCheck: String, Sendable, Codable, Equatable {
    /// A signature verifies with the key.
    case valid
    /// No signature verifies with the key, and none names it.
    case invalid
    /// A signature's keyid names the key but does not verify with it: the payload or signature was altered.
    case invalidHinted = "invalid-hinted"
}

extension DSSEEnvelope {
    /// Verifies the envelope (DSSE protocol.md, multi-signature form): at least `threshold` distinct
    /// trusted keys must each have a valid signature over PAE(payloadType, payload). The keyid only
    /// words the error.
    public func verify(trusting keys: [TrustedKey], threshold: Int = 1, source: String) throws -> VerifiedPayload {
        guard !signatures.isEmpty else { throw AdmissionError.noSignatures(source: source) }
        guard !keys.isEmpty else { throw AdmissionError.noTrustedKeys }
        let payload = try payloadBytes(source: source)
        let checks = check(keys: keys, payload: payload)
        let signers = keys.filter { checks[$0.key.keyID] == .valid }
        if signers.count >= max(threshold, 1) {
            return VerifiedPayload(payloadType: payloadType, payload: payload, signers: signers.map(\.name))
        }
        throw Self.failure(checks: checks, keys: keys, keyIDs: signatures.map { $0.keyid ?? "" }, threshold: threshold, source: source)
    }

    /// Checks every signature against each of `keys` (by keyID), over the PAE of `payload`. The PAE is
    /// hashed once for all P-256 keys, so a large payload costs one pass whatever the number of keys.
    public func check(keys: [TrustedKey], payload: Data) -> [String: KeyCheck] {
        let message = Self.preAuthenticationEncoding(payloadType: payloadType, payload: payload)
        let digest = SHA256.hash(data: message)
        let decoded = signatures.map { (hint: $0.keyid, bytes: Base64Text.decode($0.sig)) }
        var results: [String: KeyCheck] = [:]
        for trusted in keys {
            let id = trusted.key.keyID
            var result = KeyCheck.invalid
            for signature in decoded {
                if let bytes = signature.bytes, trusted.key.isValidSignature(bytes, digest: digest, message: message) {
                    result = .valid
                    break
                }
                if signature.hint == id { result = .invalidHinted }
            }
            results[id] = result
        }
        return results
    }

    /// The error for an envelope whose checks fall short of `threshold`.
    static func failure(checks: [String: KeyCheck], keys: [TrustedKey], keyIDs: [String], threshold: Int, source: String) -> AdmissionError {
        let signers = keys.filter { checks[$0.key.keyID] == .valid }
        if signers.count < max(threshold, 1), let altered = keys.first(where: { checks[$0.key.keyID] == .invalidHinted }) {
            return .signatureInvalid(source: source, key: altered.name)
        }
        if !signers.isEmpty {
            return .belowThreshold(source: source, signers: signers.map(\.name), threshold: max(threshold, 1))
        }
        return .notSignedByTrustedKey(source: source, keyIDs: keyIDs, trustedKeyCount: keys.count)
    }
}
