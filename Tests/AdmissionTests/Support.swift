import ContentDigest
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

    /// Signs `report` for `digest` with `key` (default: the trusted one) and stores the envelope under
    /// `storeDigest`. A report that records no scan time is stamped `scannedAt`.
    @discardableResult
    func attest(
        report: String, digest: String = testDigest, storeDigest: String? = nil, key: SigningKey? = nil,
        scannedAt: Date = Date(timeIntervalSince1970: 1_770_000_000)
    ) throws -> URL {
        let data = try fixture(report)
        let parsed = try ScanReport.parse(data, source: report)
        let envelope = try VulnAttestation.envelope(
            report: data, scanner: nil, subjectName: "example.test/app", digest: try Digest(parsing: digest),
            key: key ?? self.key, scannedAt: parsed.createdAt == nil ? scannedAt : nil, source: report)
        return try store(envelope, digest: storeDigest ?? digest)
    }

    /// Signs an arbitrary payload with the trusted key and stores it.
    @discardableResult
    func storeSigned(payload: Data, digest: String = testDigest, payloadType: String = DSSEEnvelope.inTotoPayloadType) throws -> URL {
        let envelope = try DSSEEnvelope.sign(payload: payload, payloadType: payloadType, key: key).encoded()
        return try store(envelope, digest: digest)
    }

    @discardableResult
    func store(_ envelope: Data, digest: String = testDigest, storedAt: Date? = nil) throws -> URL {
        let file = try AttestationStore(root: root).add(envelope: envelope, for: try Digest(parsing: digest))
        if let storedAt { try setModified(file, storedAt) }
        return file
    }

    /// Sets a stored file's modification time (the moment securerun stored it).
    func setModified(_ file: URL, _ date: Date) throws {
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: file.path)
    }

    func verdict(_ policy: AdmissionPolicy = anyAge, digest: String = testDigest, now: Date = Date()) -> Verdict {
        AdmissionGate(stateRoot: root).verdict(imageDigest: digest, policy: policy, now: now)
    }
}

/// The default policy without the scan-age limit, for tests whose fixtures were scanned years ago and
/// whose point is not freshness.
let anyAge = AdmissionPolicy(maxScanAge: AdmissionPolicy.unlimitedScanAge)

/// A cosign-vuln statement built by hand (not by VulnAttestation), for tests of parsing edge cases.
func handStatement(
    type: String = InTotoStatement.typeV1, predicateType: String = VulnPredicate.predicateType, digestHex: String,
    result: String, finished: String = "2026-01-01T00:00:00Z", scannerURI: String = "pkg:github/aquasecurity/trivy@0.50.0"
) -> Data {
    Data(
        """
        {"_type":"\(type)","subject":[{"name":"example.test/app","digest":{"sha256":"\(digestHex)"}}],\
        "predicateType":"\(predicateType)","predicate":{"invocation":{"parameters":null,"uri":"","event_id":"","builder.id":""},\
        "scanner":{"uri":"\(scannerURI)","version":"0.50.0","db":{"uri":"","version":""},"result":\(result)},\
        "metadata":{"scanStartedOn":"\(finished)","scanFinishedOn":"\(finished)"}}}
        """.utf8)
}

/// Parses an RFC 3339 test time.
func time(_ text: String) throws -> Date {
    try #require(Timestamp.parse(text))
}
