import Foundation
import StrictJSON

/// A DSSE JSON envelope (secure-systems-lab/dsse `envelope.md`): the payload and its type, and signatures
/// over the pre-authentication encoding of both.
public struct DSSEEnvelope: Codable, Sendable, Equatable {
    /// The payload type of in-toto statements.
    public static let inTotoPayloadType = "application/vnd.in-toto+json"

    /// One signature; `keyid` is an unauthenticated hint.
    public struct Signature: Codable, Sendable, Equatable {
        /// Optional hint naming the key; never used for a trust decision.
        public var keyid: String?
        /// The base64 signature.
        public var sig: String

        /// A signature with an optional keyid hint.
        public init(keyid: String?, sig: String) {
            self.keyid = keyid
            self.sig = sig
        }
    }

    /// The base64 (standard or URL-safe) serialized body, as it appears in the file.
    public var payload: String
    /// How to interpret the payload, e.g. `application/vnd.in-toto+json`.
    public var payloadType: String
    /// The signatures.
    public var signatures: [Signature]

    /// An envelope from its parts.
    public init(payload: String, payloadType: String, signatures: [Signature]) {
        self.payload = payload
        self.payloadType = payloadType
        self.signatures = signatures
    }

    /// Parses the JSON envelope, bare or inside a Sigstore bundle (`dsseEnvelope`, what cosign 3 writes
    /// by default); `source` names the file in errors. The reading is strict (duplicate keys, wrong types
    /// and a document that is both a bundle and an envelope are refused). Bundle certificates and
    /// transparency-log entries are not used: trust comes only from the configured public keys.
    public static func parse(_ data: Data, source: String) throws -> DSSEEnvelope {
        do throws(JSONError) {
            let root = try JSONParser.field(data, limits: AttestationLimits.envelopeJSON)
            _ = try root.object()
            if root.has("dsseEnvelope") {
                let mediaType = try root.required("mediaType")
                guard try mediaType.string().hasPrefix("application/vnd.dev.sigstore.bundle") else {
                    throw mediaType.problem("'\(try mediaType.string())' is not a sigstore bundle media type")
                }
                for key in ["payload", "payloadType", "signatures", "messageSignature"] where root.has(key) {
                    throw root.problem("has both a bundle's dsseEnvelope and \(key); a document must be one or the other")
                }
                return try envelope(try root.required("dsseEnvelope"))
            }
            return try envelope(root)
        } catch {
            throw AdmissionError.notAnEnvelope(source: source, detail: "\(error)")
        }
    }

    private static func envelope(_ field: JSONField) throws(JSONError) -> DSSEEnvelope {
        _ = try field.object()
        var signatures: [Signature] = []
        for signature in try field.required("signatures").array() {
            _ = try signature.object()
            signatures.append(Signature(keyid: try signature.optional("keyid")?.string(), sig: try signature.required("sig").string()))
        }
        return DSSEEnvelope(
            payload: try field.required("payload").string(), payloadType: try field.required("payloadType").string(),
            signatures: signatures)
    }

    /// The decoded payload bytes.
    public func payloadBytes(source: String) throws -> Data {
        guard let bytes = Base64Text.decode(payload) else {
            throw AdmissionError.invalidBase64(source: source, field: "payload")
        }
        return bytes
    }

    /// DSSE's pre-authentication encoding:
    /// `"DSSEv1" SP len(type) SP type SP len(body) SP body`, lengths in ASCII decimal bytes.
    public static func preAuthenticationEncoding(payloadType: String, payload: Data) -> Data {
        let type = Data(payloadType.utf8)
        var encoded = Data("DSSEv1 \(type.count) ".utf8)
        encoded.append(type)
        encoded.append(Data(" \(payload.count) ".utf8))
        encoded.append(payload)
        return encoded
    }

    /// Signs `payload` with `key` into a one-signature envelope (standard base64; keyid = the key's hint).
    public static func sign(payload: Data, payloadType: String, key: SigningKey) throws -> DSSEEnvelope {
        let signature = try key.sign(preAuthenticationEncoding(payloadType: payloadType, payload: payload))
        return DSSEEnvelope(
            payload: payload.base64EncodedString(), payloadType: payloadType,
            signatures: [Signature(keyid: key.publicKey.keyID, sig: signature.base64EncodedString())])
    }

    /// The envelope as compact JSON with sorted keys, the shape cosign and securesystemslib read.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
