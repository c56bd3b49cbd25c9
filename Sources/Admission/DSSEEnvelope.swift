import Foundation

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
    /// by default); `source` names the file in errors. Bundle certificates and transparency-log entries
    /// are not used: trust comes only from the configured public keys.
    public static func parse(_ data: Data, source: String) throws -> DSSEEnvelope {
        if let bundle = try? JSONDecoder().decode(SigstoreBundle.self, from: data) { return bundle.dsseEnvelope }
        do {
            return try JSONDecoder().decode(DSSEEnvelope.self, from: data)
        } catch let error as DecodingError {
            throw AdmissionError.notAnEnvelope(source: source, detail: DecodingErrorText.describe(error))
        } catch {
            throw AdmissionError.notAnEnvelope(source: source, detail: "\(error)")
        }
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

/// The part of a Sigstore bundle (v0.1–v0.3) that carries a DSSE envelope.
private struct SigstoreBundle: Decodable {
    var mediaType: String
    var dsseEnvelope: DSSEEnvelope
}

/// Short, lower-case text for a `DecodingError` that names the JSON path.
enum DecodingErrorText {
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "top level" : String(text.drop(while: { $0 == "." }))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing field \(parent == "top level" ? "" : parent + ".")\(key.stringValue)"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) is not \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null, expected \(typeName(type))"
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0.localizedDescription))" } ?? ""
            // Lower the first letter only: field names inside the text keep their case.
            let text = context.debugDescription.prefix(1).lowercased() + context.debugDescription.dropFirst()
            return "\(path(context.codingPath)): \(text)\(underlying)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Double.Type: return "a number"
        case is Bool.Type: return "a boolean"
        case is [Any].Type: return "an array"
        default: return "an object"
        }
    }
}
