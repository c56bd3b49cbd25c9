import Crypto
import Foundation
import Testing

@testable import Admission

@Suite struct DSSETests {
    @Test func preAuthenticationEncodingMatchesTheProtocolExample() {
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: "http://example.com/HelloWorld", payload: Data("hello world".utf8))
        #expect(String(decoding: pae, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    /// The test vector of secure-systems-lab/dsse protocol.md: P-256 key given as X/Y, raw r||s signature.
    @Test func protocolTestVectorVerifies() throws {
        let x = bigEndian32("46950820868899156662930047687818585632848591499744589407958293238635476079160")
        let y = bigEndian32("5640078356564379163099075877009565129882514886557779369047442380624545832820")
        let point = try P256.Signing.PublicKey(x963Representation: [0x04] + x + y)
        let key = TrustedKey(name: "dsse-vector", key: try PublicKey(spkiDER: point.derRepresentation, source: "vector"))
        let envelope = try DSSEEnvelope.parse(
            Data(
                #"{"payload": "aGVsbG8gd29ybGQ=", "payloadType": "http://example.com/HelloWorld", "signatures": [{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]}"#
                    .utf8), source: "vector")
        let verified = try envelope.verify(trusting: [key], source: "vector")
        #expect(String(decoding: verified.payload, as: UTF8.self) == "hello world")
        #expect(verified.signers == ["dsse-vector"])

        var tampered = envelope
        tampered.payload = Data("hello worle".utf8).base64EncodedString()
        #expect(throws: AdmissionError.self) { try tampered.verify(trusting: [key], source: "vector") }
    }

    /// Rekor's intoto DSSE fixture: a real ECDSA P-256 DER signature over the PAE.
    @Test func rekorEnvelopeVerifiesWithItsPublicKey() throws {
        let key = TrustedKey(name: "rekor.pub", key: try PublicKey(pem: try fixtureText("rekor-intoto-dsse.pub.pem"), source: "rekor.pub"))
        let envelope = try DSSEEnvelope.parse(try fixture("rekor-intoto-dsse.json"), source: "rekor")
        let verified = try envelope.verify(trusting: [key], source: "rekor")
        let statement = try InTotoStatement.parse(verified.payload, source: "rekor")
        #expect(statement.type == InTotoStatement.typeV01)
        #expect(statement.predicateType == "https://slsa.dev/provenance/v0.2")
        // …and it is not a vulnerability scan, so admission would refuse it (CVE-2022-35929).
        #expect(throws: AdmissionError.wrongPredicateType(source: "rekor", predicateType: "https://slsa.dev/provenance/v0.2")) {
            try AttestationPayload.read(verified.payload, source: "rekor").vulnPredicate()
        }
    }

    /// Rekor's two-signature fixture: the first signature is by the EC key above, the second by an RSA key,
    /// which securerun does not trust (only P-256 and Ed25519), so a threshold of 2 cannot be met.
    @Test func rekorMultiSignatureEnvelopeCountsOnlySupportedTrustedKeys() throws {
        let ecKey = TrustedKey(name: "rekor.pub", key: try PublicKey(pem: try fixtureText("rekor-intoto-dsse.pub.pem"), source: "rekor.pub"))
        #expect(throws: AdmissionError.unsupportedKeyType(path: "pub2.pem", algorithm: "rsa")) {
            try PublicKey(pem: try fixtureText("rekor-intoto-multi-pub2.pem"), source: "pub2.pem")
        }
        let envelope = try DSSEEnvelope.parse(try fixture("rekor-intoto-multi-dsse.json"), source: "multi")
        #expect(try envelope.verify(trusting: [ecKey], source: "multi").signers == ["rekor.pub"])
        #expect(throws: AdmissionError.belowThreshold(source: "multi", signers: ["rekor.pub"], threshold: 2)) {
            try envelope.verify(trusting: [ecKey], threshold: 2, source: "multi")
        }
    }

    @Test func urlSafeUnpaddedBase64IsAccepted() throws {
        let key = SigningKey.generate(.ecdsaP256)
        let payload = Data((0..<300).map { UInt8($0 % 256) })  // bytes that need + and / in standard base64
        var envelope = try DSSEEnvelope.sign(payload: payload, payloadType: "application/octet-stream", key: key)
        envelope.payload = envelope.payload.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        envelope.signatures[0].sig = envelope.signatures[0].sig.replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(envelope.payload.contains("-") || envelope.payload.contains("_"))
        let verified = try envelope.verify(trusting: [TrustedKey(name: "k", key: key.publicKey)], source: "t")
        #expect(verified.payload == payload)
    }

    @Test func keyidIsOnlyAHint() throws {
        let key = SigningKey.generate(.ecdsaP256)
        var envelope = try DSSEEnvelope.sign(payload: Data("x".utf8), payloadType: "t", key: key)
        envelope.signatures[0].keyid = "some-other-tools-keyid"
        let verified = try envelope.verify(trusting: [TrustedKey(name: "k", key: key.publicKey)], source: "t")
        #expect(verified.signers == ["k"])

        // A keyid naming a trusted key does not make an untrusted signature count.
        let stranger = SigningKey.generate(.ecdsaP256)
        var forged = try DSSEEnvelope.sign(payload: Data("x".utf8), payloadType: "t", key: stranger)
        forged.signatures[0].keyid = key.publicKey.keyID
        #expect(throws: AdmissionError.signatureInvalid(source: "t", key: "k")) {
            try forged.verify(trusting: [TrustedKey(name: "k", key: key.publicKey)], source: "t")
        }
    }

    @Test func payloadTypeIsAuthenticated() throws {
        let key = SigningKey.generate(.ed25519)
        var envelope = try DSSEEnvelope.sign(payload: Data("x".utf8), payloadType: "a/b", key: key)
        envelope.payloadType = "a/c"
        #expect(throws: AdmissionError.self) {
            try envelope.verify(trusting: [TrustedKey(name: "k", key: key.publicKey)], source: "t")
        }
    }

    @Test func thresholdNeedsDistinctTrustedKeys() throws {
        let first = SigningKey.generate(.ecdsaP256)
        let second = SigningKey.generate(.ed25519)
        let payload = Data("statement".utf8)
        var envelope = try DSSEEnvelope.sign(payload: payload, payloadType: "t", key: first)
        let keys = [TrustedKey(name: "first", key: first.publicKey), TrustedKey(name: "second", key: second.publicKey)]
        // The same signature twice is still one key.
        envelope.signatures.append(envelope.signatures[0])
        #expect(throws: AdmissionError.belowThreshold(source: "t", signers: ["first"], threshold: 2)) {
            try envelope.verify(trusting: keys, threshold: 2, source: "t")
        }
        let secondSignature = try second.sign(DSSEEnvelope.preAuthenticationEncoding(payloadType: "t", payload: payload))
        envelope.signatures.append(.init(keyid: nil, sig: secondSignature.base64EncodedString()))
        #expect(try envelope.verify(trusting: keys, threshold: 2, source: "t").signers == ["first", "second"])
    }

    @Test func envelopeWithoutSignaturesOrNotJSONIsRefused() throws {
        #expect(throws: AdmissionError.noSignatures(source: "t")) {
            try DSSEEnvelope(payload: "eA==", payloadType: "t", signatures: []).verify(
                trusting: [TrustedKey(name: "k", key: SigningKey.generate(.ed25519).publicKey)], source: "t")
        }
        #expect(throws: AdmissionError.self) { try DSSEEnvelope.parse(Data("not json".utf8), source: "t") }
        #expect(throws: AdmissionError.self) { try DSSEEnvelope.parse(Data(#"{"payload":"eA=="}"#.utf8), source: "t") }
    }

    /// Converts a decimal integer to 32 big-endian bytes (for the X/Y of the protocol test vector).
    private func bigEndian32(_ decimal: String) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 32)
        for digit in decimal.utf8 {
            var carry = Int(digit - 48)
            for index in stride(from: 31, through: 0, by: -1) {
                let value = Int(bytes[index]) * 10 + carry
                bytes[index] = UInt8(value & 0xff)
                carry = value >> 8
            }
        }
        return bytes
    }
}
