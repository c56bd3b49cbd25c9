import Crypto
import Foundation
import Testing

@testable import Admission

@Suite struct KeyTests {
    @Test(arguments: KeyAlgorithm.allCases)
    func generatedKeysRoundTripThroughPEM(algorithm: KeyAlgorithm) throws {
        let key = SigningKey.generate(algorithm)
        #expect(key.pemRepresentation.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(key.publicKey.pemRepresentation.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        let reread = try SigningKey(pem: key.pemRepresentation, source: "key")
        #expect(reread.algorithm == algorithm)
        #expect(reread.publicKey == key.publicKey)
        let publicKey = try PublicKey(pem: key.publicKey.pemRepresentation, source: "pub")
        let message = Data("message".utf8)
        #expect(publicKey.isValidSignature(try reread.sign(message), for: message))
        #expect(!publicKey.isValidSignature(try reread.sign(message), for: Data("massage".utf8)))
    }

    /// OpenSSL and Python `cryptography` read our PEM: the Ed25519 prefix must be exactly RFC 8410's.
    @Test func ed25519PEMUsesTheRFC8410Encoding() throws {
        let key = SigningKey.generate(.ed25519)
        #expect(key.publicKey.spkiDER.count == 44)
        #expect(key.publicKey.spkiDER.prefix(12) == Data([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]))
        let block = try PEMBlock(text: key.pemRepresentation, source: "k")
        #expect(block.der.count == 48)
    }

    @Test func p256AcceptsDERAndRawSignatures() throws {
        let key = P256.Signing.PrivateKey()
        let publicKey = try PublicKey(spkiDER: key.publicKey.derRepresentation, source: "k")
        let message = Data("payload".utf8)
        let signature = try key.signature(for: message)
        #expect(publicKey.isValidSignature(signature.derRepresentation, for: message))
        #expect(publicKey.isValidSignature(signature.rawRepresentation, for: message))
        var broken = signature.rawRepresentation
        broken[5] ^= 0x01
        #expect(!publicKey.isValidSignature(broken, for: message))
    }

    @Test func rsaAndPrivateKeysAreRefusedAsTrustedKeys() throws {
        #expect(throws: AdmissionError.unsupportedKeyType(path: "pub2.pem", algorithm: "rsa")) {
            try PublicKey(pem: try fixtureText("rekor-intoto-multi-pub2.pem"), source: "pub2.pem")
        }
        #expect(throws: AdmissionError.self) {
            try PublicKey(pem: SigningKey.generate(.ecdsaP256).pemRepresentation, source: "private.key")
        }
        #expect(throws: AdmissionError.self) { try PublicKey(pem: "hello", source: "junk") }
    }

    @Test func cosignPublicKeyParses() throws {
        // rekor's fixture key is the same SubjectPublicKeyInfo PEM that `cosign generate-key-pair` writes.
        let key = try PublicKey(pem: try fixtureText("rekor-intoto-dsse.pub.pem"), source: "cosign.pub")
        #expect(key.algorithm == .ecdsaP256)
    }

    @Test func trustedKeyDirectoriesLoadPubAndPemFilesAndReportBadOnes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = SigningKey.generate(.ecdsaP256).publicKey
        let second = SigningKey.generate(.ed25519).publicKey
        try first.pemRepresentation.write(to: directory.url.appendingPathComponent("a.pub"), atomically: true, encoding: .utf8)
        try first.pemRepresentation.write(to: directory.url.appendingPathComponent("a-copy.pem"), atomically: true, encoding: .utf8)
        try second.pemRepresentation.write(to: directory.url.appendingPathComponent("b.pem"), atomically: true, encoding: .utf8)
        try "not a key".write(to: directory.url.appendingPathComponent("c.pub"), atomically: true, encoding: .utf8)
        try "ignored".write(to: directory.url.appendingPathComponent("README"), atomically: true, encoding: .utf8)
        let (keys, problems) = TrustedKey.load(paths: [directory.url.path, "/nonexistent/key.pub"])
        #expect(Set(keys.map(\.key)) == [first, second])
        #expect(problems.count == 2)
        #expect(problems.contains("trusted key /nonexistent/key.pub does not exist"))
        #expect(problems.contains { $0.contains("c.pub") })
    }
}
