import Foundation
import Testing

@testable import Admission

/// Reads a fixture copied from /work/shared/reference (see PROVENANCE.md there).
func fixture(_ name: String) throws -> Data {
    let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return try Data(contentsOf: directory.appendingPathComponent(name))
}

/// A fixture as text.
func fixtureText(_ name: String) throws -> String {
    String(decoding: try fixture(name), as: UTF8.self)
}

/// A fresh temporary directory, removed when the returned guard is released by the caller's `defer`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-admission-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// An image digest for tests.
let testDigest = "sha256:" + String(repeating: "ab", count: 32)
/// Another image's digest.
let otherDigest = "sha256:" + String(repeating: "cd", count: 32)

/// A state root with one trusted key, for gate tests.
struct GateFixture {
    let directory: TemporaryDirectory
    let key: SigningKey
    var root: URL { directory.url }

    init(algorithm: KeyAlgorithm = .ecdsaP256) throws {
        directory = try TemporaryDirectory()
        key = SigningKey.generate(algorithm)
        let trusted = directory.url.appendingPathComponent("trusted-keys")
        try FileManager.default.createDirectory(at: trusted, withIntermediateDirectories: true)
        try key.publicKey.pemRepresentation.write(to: trusted.appendingPathComponent("ci.pub"), atomically: true, encoding: .utf8)
    }

    /// Signs `report` for `digest` with `key` (default: the trusted one) and stores the envelope under `storeDigest`.
    @discardableResult
    func attest(
        report: String, digest: String = testDigest, storeDigest: String? = nil, key: SigningKey? = nil,
        now: Date = Date()
    ) throws -> URL {
        let envelope = try VulnAttestation.envelope(
            report: try fixture(report), scanner: nil, subjectName: "example.test/app", digest: try ImageDigest(digest),
            key: key ?? self.key, now: now, source: report)
        return try store(envelope, digest: storeDigest ?? digest)
    }

    /// Signs an arbitrary payload with the trusted key and stores it.
    @discardableResult
    func storeSigned(payload: Data, digest: String = testDigest, payloadType: String = DSSEEnvelope.inTotoPayloadType) throws -> URL {
        let envelope = try DSSEEnvelope.sign(payload: payload, payloadType: payloadType, key: key).encoded()
        return try store(envelope, digest: digest)
    }

    @discardableResult
    func store(_ envelope: Data, digest: String = testDigest) throws -> URL {
        try AttestationStore(root: root).add(envelope: envelope, for: try ImageDigest(digest))
    }

    func verdict(_ policy: AdmissionPolicy = .default, digest: String = testDigest, now: Date = Date()) -> Verdict {
        AdmissionGate(stateRoot: root).verdict(imageDigest: digest, policy: policy, now: now)
    }
}

/// A cosign-vuln statement built by hand (not by VulnAttestation), for tests of parsing edge cases.
func handStatement(
    type: String = InTotoStatement.typeV1, predicateType: String = VulnPredicate.predicateType, digestHex: String,
    result: String, finished: String = "2026-01-01T00:00:00Z"
) -> Data {
    Data(
        """
        {"_type":"\(type)","subject":[{"name":"example.test/app","digest":{"sha256":"\(digestHex)"}}],\
        "predicateType":"\(predicateType)","predicate":{"invocation":{"parameters":null,"uri":"","event_id":"","builder.id":""},\
        "scanner":{"uri":"pkg:github/aquasecurity/trivy@0.50.0","version":"0.50.0","db":{"uri":"","version":""},"result":\(result)},\
        "metadata":{"scanStartedOn":"\(finished)","scanFinishedOn":"\(finished)"}}}
        """.utf8)
}

/// Parses an RFC 3339 test time.
func time(_ text: String) throws -> Date {
    try #require(Timestamp.parse(text))
}
