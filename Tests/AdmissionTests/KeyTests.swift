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

    /// Item 8: every cosign key is called cosign.pub; a second one is trusted under a name of its own,
    /// listed, and removed by name or keyid.
    @Test func keysAreTrustedUnderANameListedAndRemoved() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let first = root.url.appendingPathComponent("a/cosign.pub")
        let second = root.url.appendingPathComponent("b/cosign.pub")
        for (file, key) in [(first, SigningKey.generate(.ecdsaP256)), (second, SigningKey.generate(.ecdsaP256))] {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try key.publicKey.pemRepresentation.write(to: file, atomically: true, encoding: .utf8)
        }
        #expect(try KeyFiles.trust(publicKeyFile: first.path, stateRoot: root.url).added)
        #expect(try !KeyFiles.trust(publicKeyFile: first.path, stateRoot: root.url, name: "again").added)
        #expect(throws: AdmissionError.self) { try KeyFiles.trust(publicKeyFile: second.path, stateRoot: root.url) }
        #expect(throws: AdmissionError.self) { try KeyFiles.trust(publicKeyFile: second.path, stateRoot: root.url, name: "../escape") }
        let named = try KeyFiles.trust(publicKeyFile: second.path, stateRoot: root.url, name: "release")
        #expect(named.file.lastPathComponent == "release.pub")
        let listed = KeyFiles.list(stateRoot: root.url, policy: AdmissionPolicy()).keys
        #expect(listed.map { URL(fileURLWithPath: $0.key.name).lastPathComponent } == ["cosign.pub", "release.pub"])
        #expect(listed.allSatisfy { $0.removable })
        let keyID = try #require(listed.first?.key.key.keyID)
        #expect(try KeyFiles.remove(String(keyID.prefix(12)), stateRoot: root.url).key == listed[0].key.key)
        #expect(try KeyFiles.remove("release", stateRoot: root.url).key == listed[1].key.key)
        #expect(KeyFiles.list(stateRoot: root.url, policy: AdmissionPolicy()).keys.isEmpty)
        #expect(throws: AdmissionError.self) { try KeyFiles.remove("release", stateRoot: root.url) }
    }

    @Test func keysTheProfileNamesAreListedButNotRemovedHere() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let file = root.url.appendingPathComponent("ops.pub")
        try SigningKey.generate(.ed25519).publicKey.pemRepresentation.write(to: file, atomically: true, encoding: .utf8)
        let policy = AdmissionPolicy(trustedKeys: [file.path])
        #expect(KeyFiles.list(stateRoot: root.url, policy: policy).keys.map { $0.removable } == [false])
        #expect(throws: AdmissionError.self) { try KeyFiles.remove("ops", stateRoot: root.url, policy: policy) }
        #expect(FileManager.default.fileExists(atPath: file.path))
    }
}
