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

extension DSSEEnvelope {
    /// Verifies the envelope (DSSE protocol.md, multi-signature form): at least `threshold` distinct
    /// trusted keys must each have a valid signature over PAE(payloadType, payload). The keyid only
    /// orders which keys are tried first and words the error.
    public func verify(trusting keys: [TrustedKey], threshold: Int = 1, source: String) throws -> VerifiedPayload {
        guard !signatures.isEmpty else { throw AdmissionError.noSignatures(source: source) }
        guard !keys.isEmpty else { throw AdmissionError.noTrustedKeys }
        let payload = try payloadBytes(source: source)
        let message = Self.preAuthenticationEncoding(payloadType: payloadType, payload: payload)
        var signers: [TrustedKey] = []
        var hintedFailure: TrustedKey?
        for signature in signatures {
            let hinted = keys.filter { !($0.key.keyID.isEmpty) && $0.key.keyID == signature.keyid }
            guard let bytes = Base64Text.decode(signature.sig) else {
                if let key = hinted.first { hintedFailure = hintedFailure ?? key }
                continue
            }
            let candidates = hinted + keys.filter { !hinted.contains($0) }
            if let signer = candidates.first(where: { $0.key.isValidSignature(bytes, for: message) }) {
                if !signers.contains(where: { $0.key == signer.key }) { signers.append(signer) }
            } else if let key = hinted.first {
                hintedFailure = hintedFailure ?? key
            }
        }
        let required = max(threshold, 1)
        if signers.count >= required {
            return VerifiedPayload(payloadType: payloadType, payload: payload, signers: signers.map(\.name))
        }
        if let key = hintedFailure {
            throw AdmissionError.signatureInvalid(source: source, key: key.name)
        }
        if !signers.isEmpty {
            throw AdmissionError.belowThreshold(source: source, signers: signers.map(\.name), threshold: required)
        }
        throw AdmissionError.notSignedByTrustedKey(
            source: source, keyIDs: signatures.map { $0.keyid ?? "" }, trustedKeyCount: keys.count)
    }
}
