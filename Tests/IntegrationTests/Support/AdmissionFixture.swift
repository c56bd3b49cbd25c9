import Admission
import ContentDigest
import Foundation
import Images
import Testing

/// A private state root with one imported image and one trusted key, for admission tests: makes keys,
/// signed attestations and profiles through the built binary (and the Admission library where a test
/// needs an envelope the CLI would not make).
struct AdmissionFixture {
    let directory: TemporaryDirectory
    let cli: CLI
    let image: String
    let digest: String
    let configDigest: String
    let keyPrefix: String

    /// Imports `rootfs` (by default a one-file rootfs unique to this fixture) as `image`, then generates
    /// and trusts the key `<directory>/ci`.
    init(image: String = "test/admission:1", rootfs: URL? = nil) throws {
        self.image = image
        directory = try TemporaryDirectory("securerun-admission")
        cli = CLI(root: directory.url.appendingPathComponent("state"))
        let source = rootfs ?? directory.url.appendingPathComponent("rootfs")
        if rootfs == nil {
            let etc = source.appendingPathComponent("etc")
            try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
            try UUID().uuidString.write(to: etc.appendingPathComponent("id"), atomically: true, encoding: .utf8)
        }
        let imported = try cli.run(["image", "import", "--rootfs", source.path, "--tag", image])
        guard imported.status == 0 else { throw TestFailure("image import failed: \(imported)") }
        digest = try Self.manifestDigest(of: image, cli: cli)
        configDigest = try Self.inspect(image, cli: cli, field: "configDigest")
        keyPrefix = directory.url.appendingPathComponent("ci").path
        let generated = try cli.run(["key", "generate", "--out", keyPrefix])
        guard generated.status == 0 else { throw TestFailure("key generate failed: \(generated)") }
        let trusted = try cli.run(["key", "trust", keyPrefix + ".pub"])
        guard trusted.status == 0 else { throw TestFailure("key trust failed: \(trusted)") }
    }

    /// The manifest digest `securerun image inspect` reports for `image`.
    static func manifestDigest(of image: String, cli: CLI) throws -> String {
        try inspect(image, cli: cli, field: "manifestDigest")
    }

    /// A string field of `securerun image inspect IMAGE`.
    static func inspect(_ image: String, cli: CLI, field: String) throws -> String {
        let inspect = try cli.run(["image", "inspect", image])
        let object = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
        return try #require(object?[field] as? String, "\(inspect)")
    }

    /// The image digest's hex, as in-toto subjects carry it.
    var digestHex: String { String(digest.dropFirst("sha256:".count)) }

    /// A scanner report from Tests/AdmissionTests/Fixtures, as it is (a scan of another image).
    func report(_ name: String) -> String {
        CLI.packageRoot.appendingPathComponent("Tests/AdmissionTests/Fixtures/\(name)").path
    }

    /// The report's text, for hand-made statements.
    func reportText(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: report(name))), as: UTF8.self)
    }

    /// A Trivy fixture rewritten to be a scan of this image (ArtifactName, Metadata.ImageID), finished
    /// `createdAt` (default: now; nil keeps the fixture's own time). Only those values change, so the
    /// findings keep their exact text.
    func boundReport(_ name: String, createdAt: String? = Self.now()) throws -> String {
        var text = try reportText(name)
        func replace(_ key: String, with value: String) throws {
            guard let range = text.range(of: #""\#(key)": "[^"]*""#, options: .regularExpression) else {
                throw TestFailure("\(name) has no \(key) to rewrite")
            }
            text.replaceSubrange(range, with: #""\#(key)": "\#(value)""#)
        }
        try replace("ArtifactName", with: image)
        try replace("ImageID", with: configDigest)
        if let createdAt { try replace("CreatedAt", with: createdAt) }
        let file = directory.url.appendingPathComponent("bound-\(UUID().uuidString.prefix(6))-\(name)")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// The current time, RFC 3339 in UTC.
    static func now(offset: TimeInterval = 0) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date().addingTimeInterval(offset))
    }

    /// `securerun image attest IMAGE --report REPORT --key KEY [extra]` with the fixture made a scan of this
    /// image finished now (`fresh`), or finished when the fixture says (`fresh: false`).
    func attest(_ report: String, key: String? = nil, fresh: Bool = true, extra: [String] = []) throws -> CLIResult {
        let bound = try boundReport(report, createdAt: fresh ? Self.now() : nil)
        return try cli.run(["image", "attest", image, "--report", bound, "--key", key ?? keyPrefix + ".key"] + extra)
    }

    /// Writes `envelope` straight into the attestation store, as an older securerun or a pull of a signed
    /// but unreadable scan leaves it, bypassing the checks of `image attestation add`.
    @discardableResult
    func plant(_ envelope: Data) throws -> URL {
        try FileManager.default.createDirectory(at: attestationDirectory, withIntermediateDirectories: true)
        let hex = Digest.of(envelope).hex
        let file = attestationDirectory.appendingPathComponent("\(hex).json")
        try envelope.write(to: file)
        return file
    }

    /// Signs `payload` with the trusted key and plants the envelope.
    @discardableResult
    func plantSigned(_ payload: Data) throws -> URL {
        try plant(try Data(contentsOf: signed(payload)))
    }

    /// Signs `payload` with the trusted key (through the library) and writes the envelope to a new file.
    func signed(_ payload: Data) throws -> URL {
        let key = try KeyFiles.readSigningKey(keyPrefix + ".key")
        let envelope = try DSSEEnvelope.sign(payload: payload, payloadType: DSSEEnvelope.inTotoPayloadType, key: key)
        let file = directory.url.appendingPathComponent("\(UUID().uuidString).json")
        try envelope.encoded().write(to: file)
        return file
    }

    /// Signs `payload` with the trusted key and adds it with `image attestation add`.
    func addSigned(_ payload: Data) throws -> CLIResult {
        try cli.run(["image", "attestation", "add", image, try signed(payload).path])
    }

    /// Writes a profile with this `admission:` block (and nothing loosened) and returns its path.
    func profile(_ admission: String, name: String? = nil) throws -> String {
        try RunFixture.writeProfile(in: directory.url, name: name ?? "admission-\(UUID().uuidString.prefix(6))", extra: "", admission: admission)
    }

    func verify(_ extra: [String] = []) throws -> CLIResult {
        try cli.run(["image", "verify", image] + extra)
    }

    /// The directory the store keeps this image's attestations in.
    var attestationDirectory: URL {
        cli.root.appendingPathComponent("attestations/" + digest.replacingOccurrences(of: ":", with: "-"))
    }

    /// The stored attestation files.
    func storedAttestations() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: attestationDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { attestationDirectory.appendingPathComponent($0) }
    }

    /// Rewrites the stored attestation's payload so its CRITICAL finding reads "CRITICAl", keeping the
    /// signature: one byte an attacker would like to change.
    static func tamper(_ file: URL) throws {
        var envelope = try DSSEEnvelope.parse(try Data(contentsOf: file), source: "stored")
        let text = String(decoding: try envelope.payloadBytes(source: "stored"), as: UTF8.self)
        let changed = text.replacingOccurrences(of: #""Severity": "CRITICAL""#, with: #""Severity": "CRITICAl""#)
        guard changed != text else { throw TestFailure("\(file.path) has no CRITICAL finding to tamper with") }
        envelope.payload = Data(changed.utf8).base64EncodedString()
        try envelope.encoded().write(to: file)
    }

    /// A cosign vuln statement for `digestHex` around `result`, written by hand (Trivy, finished now).
    func statement(
        digestHex: String, result: String, predicateType: String = "https://cosign.sigstore.dev/attestation/vuln/v1",
        scannerURI: String = "pkg:github/aquasecurity/trivy@0.50.0", started: String? = nil, finished: String = AdmissionFixture.now()
    ) -> Data {
        Data(
            """
            {"_type":"https://in-toto.io/Statement/v0.1","predicateType":"\(predicateType)",\
            "subject":[{"name":"test/admission","digest":{"sha256":"\(digestHex)"}}],\
            "predicate":{"scanner":{"uri":"\(scannerURI)","version":"0.50.0","result":\(result)},\
            "metadata":{"scanStartedOn":"\(started ?? finished)","scanFinishedOn":"\(finished)"}}}
            """.utf8)
    }
}
