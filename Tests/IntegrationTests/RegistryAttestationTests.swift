import Admission
import Foundation
import Testing

/// `securerun image pull` fetches the attestations a real docker-registry keeps the cosign ways (the legacy
/// `sha256-<hex>.att` tag; OCI 1.1 referrers, through the fallback tag because distribution 2.8 answers 404
/// on the referrers API) into the attestation store; the gate verifies them as usual at verify and run.
/// The referrers API itself is served by a small file-serving registry.
@Suite("image pull: attestations from the registry, verified by the gate")
struct RegistryAttestationTests {
    /// A publisher root (image, key, attestations signed with `image attest`), a registry holding the
    /// image, and a consumer root that trusts the publisher's key and pulls.
    struct Setup {
        let publisher: AdmissionFixture
        /// The docker-registry, or nil when the image is served by `files` (a registry with the referrers API).
        let registry: LocalRegistry?
        let files: StaticRegistry?
        let consumer: CLI
        let repository = "it/gated"
        var host: String { registry?.host ?? files?.host ?? "" }
        var reference: String { "\(host)/\(repository):1" }
        var digest: String { publisher.digest }
        static let bundleType = "application/vnd.dev.sigstore.bundle.v0.3+json"

        /// The image pushed with skopeo to a docker-registry, or (`referrersAPI`) served as files by a
        /// registry that implements the referrers API.
        init(referrersAPI: Bool = false) throws {
            guard let run = RunFixture.available() else { throw Skip() }
            publisher = try AdmissionFixture(image: "test/published:1", rootfs: run.rootfs)
            if referrersAPI {
                registry = nil
                let files = try StaticRegistry(in: publisher.directory.url)
                let blobs = publisher.cli.root.appendingPathComponent("blobs/sha256")
                for hex in try FileManager.default.contentsOfDirectory(atPath: blobs.path) where !hex.hasPrefix(".") {
                    let data = try Data(contentsOf: blobs.appendingPathComponent(hex))
                    try files.putBlob(data, mediaType: "application/octet-stream", repository: repository)
                }
                let manifest = String(decoding: try Data(contentsOf: blobs.appendingPathComponent(publisher.digestHex)), as: UTF8.self)
                try files.putManifest(manifest, mediaType: "application/vnd.oci.image.manifest.v1+json", repository: repository, tag: "1")
                self.files = files
            } else {
                files = nil
                let registry = try LocalRegistry(in: publisher.directory.url)
                let layout = publisher.directory.url.appendingPathComponent("layout")
                try OCILayout.export(manifestDigest: publisher.digest, from: publisher.cli.root, to: layout)
                try registry.push("oci:\(layout.path)", to: "\(repository):1")
                self.registry = registry
            }
            consumer = CLI(root: publisher.directory.url.appendingPathComponent("consumer"))
            try expectSuccess(consumer.run(["key", "trust", publisher.keyPrefix + ".pub"]))
        }

        /// The envelope `securerun image attest --output` writes for `report`, optionally tampered with.
        func envelope(_ report: String, tampered: Bool = false) throws -> Data {
            let file = publisher.directory.url.appendingPathComponent("envelope-\(UUID().uuidString.prefix(6)).json")
            try expectSuccess(publisher.attest(report, extra: ["--output", file.path]))
            if tampered { try AdmissionFixture.tamper(file) }
            return try Data(contentsOf: file)
        }

        /// Pushes cosign's legacy attestation image, tag `sha256-<hex>.att`: one DSSE envelope per layer.
        @discardableResult
        func pushAttTag(_ envelopes: [Data]) async throws -> [LocalRegistry.Pushed] {
            let registry = try #require(registry)
            let config = try await registry.pushBlob(Data("{}".utf8), mediaType: "application/vnd.oci.image.config.v1+json", repository: repository)
            var layers: [LocalRegistry.Pushed] = []
            for envelope in envelopes {
                layers.append(try await registry.pushBlob(envelope, mediaType: "application/vnd.dsse.envelope.v1+json", repository: repository))
            }
            let manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":\(config.json),\
                "layers":[\(layers.map(\.json).joined(separator: ","))]}
                """
            try await registry.pushManifest(
                manifest, mediaType: "application/vnd.oci.image.manifest.v1+json", repository: repository,
                reference: "sha256-\(publisher.digestHex).att")
            return layers
        }

        /// A Sigstore bundle v0.3 around `envelope`, as cosign 3 pushes it.
        static func bundle(_ envelope: Data) -> Data {
            Data(
                (#"{"mediaType":"\#(bundleType)","verificationMaterial":{"publicKey":{"hint":"ci"}},"dsseEnvelope":"#
                    + String(decoding: envelope, as: UTF8.self) + "}").utf8)
        }

        static let predicateAnnotation = #"{"dev.sigstore.bundle.predicateType":"https://cosign.sigstore.dev/attestation/vuln/v1"}"#

        /// The OCI 1.1 artifact manifest holding a bundle `layer`, with the image as its subject.
        func artifactManifest(config: LocalRegistry.Pushed, layer: LocalRegistry.Pushed) throws -> String {
            let imageSize = try Data(contentsOf: publisher.cli.root.appendingPathComponent("blobs/sha256/\(publisher.digestHex)")).count
            return """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"\(Self.bundleType)",\
                "config":\(config.json),"layers":[\(layer.json)],\
                "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(digest)","size":\(imageSize)},\
                "annotations":\(Self.predicateAnnotation)}
                """
        }

        /// The image index listing `artifact`: the referrers API's answer and the fallback tag's content.
        static func referrersIndex(_ artifact: LocalRegistry.Pushed) -> String {
            """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\
            {"mediaType":"\(artifact.mediaType)","digest":"\(artifact.digest)","size":\(artifact.size),\
            "artifactType":"\(bundleType)","annotations":\(predicateAnnotation)}]}
            """
        }

        /// Pushes a bundle around `envelope` as cosign 3 does on a registry without the referrers API: the
        /// artifact manifest, listed in the fallback index at tag `sha256-<hex>`.
        func pushBundleReferrer(_ envelope: Data, to registry: LocalRegistry) async throws {
            let empty = try await registry.pushBlob(Data("{}".utf8), mediaType: LocalRegistry.emptyConfigType, repository: repository)
            let layer = try await registry.pushBlob(Self.bundle(envelope), mediaType: Self.bundleType, repository: repository)
            let artifact = try await registry.pushManifest(
                try artifactManifest(config: empty, layer: layer), mediaType: "application/vnd.oci.image.manifest.v1+json", repository: repository)
            try await registry.pushManifest(
                Self.referrersIndex(artifact), mediaType: "application/vnd.oci.image.index.v1+json", repository: repository,
                reference: "sha256-\(publisher.digestHex)")
        }

        /// Serves a bundle around `envelope` through the referrers API of `files`.
        func serveBundleReferrer(_ envelope: Data, from files: StaticRegistry) throws {
            let empty = try files.putBlob(Data("{}".utf8), mediaType: LocalRegistry.emptyConfigType, repository: repository)
            let layer = try files.putBlob(Self.bundle(envelope), mediaType: Self.bundleType, repository: repository)
            let artifact = try files.putManifest(
                try artifactManifest(config: empty, layer: layer), mediaType: "application/vnd.oci.image.manifest.v1+json", repository: repository)
            try files.put(
                Data(Self.referrersIndex(artifact).utf8), at: "\(repository)/referrers/\(digest)", contentType: "application/vnd.oci.image.index.v1+json")
        }

        func pull(_ extra: [String] = []) throws -> CLIResult {
            try consumer.run(["image", "pull", "--insecure"] + extra + [reference])
        }

        func profile() throws -> String {
            try publisher.profile("  blockAt: HIGH", name: "pulled")
        }

        /// `securerun run` of the pulled image with a command that prints.
        func run() throws -> CLIResult {
            try consumer.run(["run", "--profile", try profile(), reference, "echo", "started"])
        }

        /// Checks the consumer verifies and runs the pulled image.
        func expectAdmittedAndRuns(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let verified = try consumer.run(["image", "verify", "--profile", try profile(), reference])
            #expect(verified.status == 0, "\(verified)", sourceLocation: sourceLocation)
            #expect(verified.stdout.hasPrefix("admitted: \(reference) (\(digest)) under profile pulled\n"), "\(verified)", sourceLocation: sourceLocation)
            let ran = try run()
            #expect(ran.status == 0, "\(ran)", sourceLocation: sourceLocation)
            #expect(ran.stdout == "started\n", "\(ran)", sourceLocation: sourceLocation)
        }

        /// Checks `securerun run` refuses the pulled image, listing `reason`, starting and leaving nothing.
        func expectRunRefused(listing reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let refused = try run()
            #expect(refused.status == 125, "\(refused)", sourceLocation: sourceLocation)
            #expect(refused.stdout.isEmpty, "\(refused)", sourceLocation: sourceLocation)
            #expect(
                refused.stderr.hasPrefix(
                    "securerun: refusing to run \(reference) (\(digest)): not admitted by profile \"pulled\" [SR027 image-admission]:\n  - "),
                "\(refused)", sourceLocation: sourceLocation)
            #expect(refused.stderr.contains(reason), "\(refused)", sourceLocation: sourceLocation)
            #expect(RunFixture.leftovers(root: consumer.root).filter { !$0.hasPrefix("/sys/") }.isEmpty, sourceLocation: sourceLocation)
        }
    }

    /// Thrown by `Setup` when requirements are missing (already recorded or printed).
    struct Skip: Error {}

    static func setup(referrersAPI: Bool = false) throws -> Setup? {
        let tools = referrersAPI ? ["python3", "runc", "gcc"] : ["docker-registry", "skopeo", "runc", "gcc"]
        guard Requirements.met(tools: tools) else { return nil }
        do { return try Setup(referrersAPI: referrersAPI) } catch is Skip { return nil }
    }

    @Test("the legacy sha256-<hex>.att tag: stored on pull, admitted, runs")
    func legacyAttTag() async throws {
        guard let setup = try Self.setup() else { return }
        try await setup.pushAttTag([try setup.envelope("trivy-alpine-310.json")])
        let pulled = try setup.pull()
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout.contains("\nstored 1 attestation for \(setup.digest) (checked by the admission gate when verified or run)\n"), "\(pulled)")
        #expect(pulled.stderr.isEmpty, "\(pulled)")
        try setup.expectAdmittedAndRuns()
    }

    @Test("a Sigstore bundle referrer (fallback tag on a registry without the referrers API): stored, admitted, runs")
    func bundleReferrer() async throws {
        guard let setup = try Self.setup() else { return }
        let registry = try #require(setup.registry)
        let api = try await registry.status(ofGet: "/v2/\(setup.repository)/referrers/\(setup.digest)")
        try await setup.pushBundleReferrer(try setup.envelope("trivy-alpine-310.json"), to: registry)
        let pulled = try setup.pull(["--json"])
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stderr.isEmpty, "\(pulled)")
        let object = try JSONSerialization.jsonObject(with: Data(pulled.stdout.utf8)) as? [String: Any]
        #expect(object?["manifestDigest"] as? String == setup.digest)
        let stored = try #require((object?["attestations"] as? [String: Any])?["stored"] as? [[String: Any]], "\(pulled)")
        #expect(stored.count == 1)
        #expect(stored.first?["mediaType"] as? String == "application/vnd.dev.sigstore.bundle.v0.3+json")
        // distribution 2.8 answers 404 on the referrers API, so the fallback tag is what this reads there.
        #expect(stored.first?["location"] as? String == (api == 404 ? "referrers-tag" : "referrers"), "referrers API answered \(api)")
        #expect((stored.first?["file"] as? String).map { FileManager.default.fileExists(atPath: $0) } == true)
        try setup.expectAdmittedAndRuns()
    }

    @Test("the OCI 1.1 referrers API (a file-serving registry that implements it): a bundle referrer is stored, admitted, runs")
    func referrersAPI() async throws {
        guard let setup = try Self.setup(referrersAPI: true), let files = setup.files else { return }
        try setup.serveBundleReferrer(try setup.envelope("trivy-alpine-310.json"), from: files)
        let pulled = try setup.pull(["--json"])
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stderr.isEmpty, "\(pulled)")
        let object = try JSONSerialization.jsonObject(with: Data(pulled.stdout.utf8)) as? [String: Any]
        let stored = try #require((object?["attestations"] as? [String: Any])?["stored"] as? [[String: Any]], "\(pulled)")
        #expect(stored.map { $0["location"] as? String } == ["referrers"], "\(pulled)")
        try setup.expectAdmittedAndRuns()
    }

    @Test("a tampered attestation is not stored on pull (a warning says why); the gate finds none and nothing runs")
    func tamperedAttestation() async throws {
        guard let setup = try Self.setup() else { return }
        try await setup.pushAttTag([try setup.envelope("trivy-debian-buster.json", tampered: true)])
        let pulled = try setup.pull()
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout.contains("\nstored 0 attestations for \(setup.digest) (none could count)"), "\(pulled)")
        #expect(pulled.stderr.hasPrefix("securerun: warning: skipped "), "\(pulled)")
        #expect(pulled.stderr.contains("signature invalid"), "\(pulled)")
        let verified = try setup.consumer.run(["image", "verify", "--profile", try setup.profile(), setup.reference])
        #expect(verified.status == 1, "\(verified)")
        try setup.expectRunRefused(listing: "no attestation for \(setup.digest)")
    }

    @Test("malformed and corrupted attestations are skipped with a warning; none found is no error, and the gate refuses")
    func malformedAndCorruptedAreSkipped() async throws {
        guard let setup = try Self.setup() else { return }
        let none = try setup.pull()
        #expect(none.status == 0, "\(none)")
        #expect(none.stdout.contains("\nstored 0 attestations for \(setup.digest) (none found in the registry)\n"), "\(none)")
        #expect(none.stderr.isEmpty, "\(none)")

        let junk = Data(#"{"hello":"world"}"#.utf8)
        let layers = try await setup.pushAttTag([junk, try setup.envelope("trivy-alpine-310.json")])
        // Flip the stored envelope's bytes behind the registry's back: it now serves content that does not
        // hash to the digest the manifest names.
        let file = try #require(setup.registry).blobFile(layers[1].digest)
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: file)

        let pulled = try setup.pull()
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout.contains("\nstored 0 attestations for \(setup.digest)"), "\(pulled)")
        let warnings = pulled.stderr.split(separator: "\n").map(String.init)
        #expect(warnings.count == 2 && warnings.allSatisfy { $0.hasPrefix("securerun: warning: skipped ") }, "\(pulled)")
        #expect(warnings.contains { $0.contains(layers[0].digest) && $0.contains("not a dsse envelope") }, "\(pulled)")
        #expect(warnings.contains { $0.contains(layers[1].digest) && $0.contains("does not match its digest") }, "\(pulled)")
        let stored = setup.consumer.root.appendingPathComponent("attestations/sha256-\(setup.publisher.digestHex)").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: stored)) ?? []).isEmpty)
        try setup.expectRunRefused(listing: "no attestation for \(setup.digest)")
    }

    /// Item 6: a registry may hold any number of attestations; a pull keeps the newest 32 and names the
    /// ones it skipped.
    @Test("more attestations than an image may keep: the newest are stored, the skipped ones named")
    func attestationsOverTheLimitAreSkippedOldestFirst() async throws {
        guard let setup = try Self.setup() else { return }
        let key = try KeyFiles.readSigningKey(setup.publisher.keyPrefix + ".key")
        let report = try setup.publisher.reportText("trivy-alpine-39-skip-no-results.json")
        var envelopes: [Data] = []
        let newest = AdmissionFixture.now()
        for minutes in 0...32 {
            let statement = setup.publisher.statement(
                digestHex: setup.publisher.digestHex, result: report, finished: minutes == 0 ? newest : AdmissionFixture.now(offset: -60 * Double(minutes)))
            envelopes.append(try DSSEEnvelope.sign(payload: statement, payloadType: DSSEEnvelope.inTotoPayloadType, key: key).encoded())
        }
        let layers = try await setup.pushAttTag(envelopes)
        let pulled = try setup.pull()
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout.contains("\nstored 32 attestations for \(setup.digest)"), "\(pulled)")
        let oldest = try #require(layers.last).digest
        #expect(
            pulled.stderr == "securerun: warning: skipped 1 older attestation over the limit of 32 per image (\(oldest)); "
                + "remove old ones with 'securerun image attestation rm' and pull again\n", "\(pulled)")
        let verified = try setup.consumer.run(["image", "verify", "--profile", try setup.profile(), setup.reference])
        #expect(verified.status == 0, "\(verified)")
        #expect(verified.stdout.contains("scan finished \(newest) ("), "the newest decides: \(verified)")
    }
}
