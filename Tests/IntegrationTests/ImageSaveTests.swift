import Admission
import ContentDigest
import Foundation
import Testing

/// `securerun image save` writes an image with its exact blobs and its attestations, as an OCI archive
/// (skopeo and umoci read it) or a docker-save tar (`docker load` reads it); `image import` of the archive
/// into another state root gives the same manifest digest and stores the attestations, which the gate
/// verifies as always.
@Suite("securerun image save: archives that other tools read and that carry the attestations", .serialized)
struct ImageSaveTests {
    /// A publisher root with one attested image, and a profile the scan passes.
    struct Setup {
        let publisher: AdmissionFixture
        let name: String
        var directory: URL { publisher.directory.url }

        /// `report` is the scan attested (alpine 3.10's has no finding at HIGH or above, so it is admitted).
        init(report: String = "trivy-alpine-310.json") throws {
            // A name of its own: the docker test loads it into the engine other tests share.
            name = "save/app-\(UUID().uuidString.prefix(6).lowercased()):1"
            publisher = try AdmissionFixture(image: name)
            let attested = try publisher.attest(report)
            guard attested.status == 0 else { throw TestFailure("attest failed: \(attested)") }
        }

        func profile() throws -> String { try publisher.profile("  blockAt: HIGH", name: "saved") }

        func save(_ format: String? = nil, to file: URL) throws -> CLIResult {
            try publisher.cli.run(["image", "save", name, "-o", file.path] + (format.map { ["--format", $0] } ?? []))
        }

        /// The one stored envelope's file name (`<hex>.json`).
        var envelopeName: String { publisher.storedAttestations().first?.lastPathComponent ?? "" }

        /// A fresh state root, trusting the publisher's key when `trusting`.
        func consumer(_ name: String, trusting: Bool = true) throws -> CLI {
            let cli = CLI(root: directory.appendingPathComponent(name))
            if trusting { try expectSuccess(cli.run(["key", "trust", publisher.keyPrefix + ".pub"])) }
            return cli
        }
    }

    /// The files a directory holds (to check nothing was left behind).
    static func contents(_ directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    @Test("oci-archive: skopeo inspects it with the same manifest digest, umoci unpacks it, the attestation is inside, mode 0600 under umask 000")
    func ociArchive() throws {
        guard Requirements.met(tools: ["skopeo", "umoci", "tar"]) else { return }
        let setup = try Setup()
        let archive = setup.directory.appendingPathComponent("app.tar")
        // Under umask 000 as well: an image can hold secrets, so the archive is private as docker save -o makes it.
        let saved = try CLI.exec(
            "/bin/sh", ["-c", "umask 000; exec \"$0\" image save \"$1\" -o \"$2\"", CLI.binary, setup.name, archive.path],
            environment: ["SECURERUN_ROOT": setup.publisher.cli.root.path])
        #expect(saved.status == 0, "\(saved)")
        #expect(saved.stdout == "saved \(setup.name) (\(setup.publisher.digest)) to \(archive.path) as oci-archive with 1 attestation\n", "\(saved)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: archive.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(Self.contents(setup.directory).filter { $0.hasPrefix(".securerun-save") }.isEmpty)

        let members = try CLI.exec("tar", ["-tf", archive.path]).stdout.split(separator: "\n").map(String.init)
        #expect(members.contains("oci-layout") && members.contains("index.json"), "\(members)")
        #expect(members.contains("blobs/sha256/\(setup.publisher.digestHex)"), "\(members)")
        #expect(members.contains("securerun/attestations/sha256-\(setup.publisher.digestHex)/\(setup.envelopeName)"), "\(members)")

        let inspected = try CLI.exec("skopeo", ["inspect", "oci-archive:\(archive.path)"])
        #expect(inspected.status == 0, "\(inspected)")
        let object = try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any]
        #expect(object?["Digest"] as? String == setup.publisher.digest, "\(inspected)")

        // umoci reads the layout by the ref the index names (the tag, as Docker writes it).
        let layout = setup.directory.appendingPathComponent("layout")
        try FileManager.default.createDirectory(at: layout, withIntermediateDirectories: true)
        try expectSuccess(CLI.exec("tar", ["-xf", archive.path, "-C", layout.path]))
        let bundle = setup.directory.appendingPathComponent("bundle")
        let unpacked = try CLI.exec("umoci", ["unpack", "--image", "\(layout.path):1", bundle.path])
        #expect(unpacked.status == 0, "\(unpacked)")
        let original = try String(contentsOf: setup.directory.appendingPathComponent("rootfs/etc/id"), encoding: .utf8)
        #expect(try String(contentsOf: bundle.appendingPathComponent("rootfs/etc/id"), encoding: .utf8) == original)
    }

    @Test("docker-archive: docker load gives the image under its name with the config digest as image id; skopeo reads it", .sharedHost)
    func dockerArchive() throws {
        guard Requirements.met(tools: ["skopeo", "docker"]), DockerBackendTests.engineAvailable() else { return }
        let setup = try Setup()
        let archive = setup.directory.appendingPathComponent("app-docker.tar")
        let saved = try setup.save("docker-archive", to: archive)
        #expect(saved.status == 0, "\(saved)")
        #expect(saved.stdout.hasSuffix(" as docker-archive with 1 attestation\n"), "\(saved)")
        defer { _ = try? CLI.exec("docker", ["rmi", setup.name]) }
        let loaded = try CLI.exec("docker", ["load", "-i", archive.path], timeout: 120)
        #expect(loaded.status == 0, "\(loaded)")
        #expect(loaded.stdout.contains("Loaded image: \(setup.name)"), "\(loaded)")
        let id = try CLI.exec("docker", ["image", "inspect", "--format", "{{.Id}}", setup.name])
        #expect(id.stdout == setup.publisher.configDigest + "\n", "\(id)")

        let inspected = try CLI.exec("skopeo", ["inspect", "docker-archive:\(archive.path)"])
        #expect(inspected.status == 0, "\(inspected)")
        let object = try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any]
        #expect((object?["Layers"] as? [Any])?.count == 1, "\(inspected)")
    }

    @Test("save then import into a fresh root, both formats: the same manifest digest, the attestation stored and admitted")
    func roundTrip() throws {
        guard Requirements.met(tools: []) else { return }
        let setup = try Setup()
        for format in ["oci-archive", "docker-archive"] {
            let archive = setup.directory.appendingPathComponent("round-\(format).tar")
            try expectSuccess(setup.save(format, to: archive))
            let consumer = try setup.consumer("consumer-\(format)")
            let imported = try consumer.run(["image", "import", archive.path])
            #expect(imported.status == 0, "\(format): \(imported)")
            #expect(
                imported.stdout
                    == "\(setup.name) \(setup.publisher.digest)\nstored 1 attestation from the archive (checked by the admission gate when verified or run)\n",
                "\(format): \(imported)")
            #expect(imported.stderr.isEmpty, "\(format): \(imported)")
            #expect(try AdmissionFixture.manifestDigest(of: setup.name, cli: consumer) == setup.publisher.digest)
            let verified = try consumer.run(["image", "verify", "--profile", try setup.profile(), setup.name])
            #expect(verified.status == 0, "\(format): \(verified)")
            #expect(verified.stdout.hasPrefix("admitted: \(setup.name) (\(setup.publisher.digest)) under profile saved\n"), "\(verified)")
        }
    }

    @Test("an imported attestation signed by a key the new root does not trust is stored but admits nothing")
    func untrustedAttestationChangesNothing() throws {
        guard Requirements.met(tools: []) else { return }
        let setup = try Setup()
        let archive = setup.directory.appendingPathComponent("untrusted.tar")
        try expectSuccess(setup.save(to: archive))
        let consumer = try setup.consumer("consumer-untrusting", trusting: false)
        let imported = try consumer.run(["image", "import", archive.path])
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.stdout.hasSuffix("\nstored 1 attestation from the archive (checked by the admission gate when verified or run)\n"), "\(imported)")
        #expect(imported.stderr.contains("does not count yet"), "\(imported)")
        let refused = try consumer.run(["image", "verify", "--profile", try setup.profile(), setup.name])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout.hasPrefix("refused: \(setup.name) (\(setup.publisher.digest))"), "\(refused)")
        // Trusting the signer later makes it count, as it did where it came from.
        try expectSuccess(consumer.run(["key", "trust", setup.publisher.keyPrefix + ".pub"]))
        #expect(try consumer.run(["image", "verify", "--profile", try setup.profile(), setup.name]).status == 0)
    }

    @Test("a scan downgraded inside the archive (CRITICAL edited away) is skipped at import and admits nothing: the signature no longer verifies")
    func tamperedAttestation() throws {
        guard Requirements.met(tools: ["tar"]) else { return }
        // The attack: whoever holds the archive edits the signed scan so its CRITICAL findings no longer
        // block, hoping the receiving store admits the image on the publisher's key.
        let setup = try Setup(report: "trivy-debian-buster.json")
        let archive = setup.directory.appendingPathComponent("tampered.tar")
        try expectSuccess(setup.save(to: archive))
        let layout = setup.directory.appendingPathComponent("tampered")
        try FileManager.default.createDirectory(at: layout, withIntermediateDirectories: true)
        try expectSuccess(CLI.exec("tar", ["-xf", archive.path, "-C", layout.path]))
        let envelope = layout.appendingPathComponent("securerun/attestations/sha256-\(setup.publisher.digestHex)/\(setup.envelopeName)")
        var parsed = try DSSEEnvelope.parse(try Data(contentsOf: envelope), source: "archived")
        let text = String(decoding: try parsed.payloadBytes(source: "archived"), as: UTF8.self)
        let downgraded = text.replacingOccurrences(of: #""Severity": "CRITICAL""#, with: #""Severity": "LOW""#)
            .replacingOccurrences(of: #""Severity": "HIGH""#, with: #""Severity": "LOW""#)
        #expect(downgraded != text, "the report has findings at HIGH or above to edit away")
        parsed.payload = Data(downgraded.utf8).base64EncodedString()
        try parsed.encoded().write(to: envelope)
        let consumer = try setup.consumer("consumer-tampered")
        let imported = try consumer.run(["image", "import", layout.path])
        #expect(imported.status == 0, "\(imported)")
        #expect(
            imported.stdout.hasSuffix("\nstored 0 attestations from the archive (checked by the admission gate when verified or run)\n"), "\(imported)")
        #expect(imported.stderr.hasPrefix("securerun: warning: skipped ") && imported.stderr.contains("signature invalid"), "\(imported)")
        let refused = try consumer.run(["image", "verify", "--profile", try setup.profile(), setup.name])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout.hasPrefix("refused: \(setup.name) (\(setup.publisher.digest))"), "\(refused)")
    }

    @Test(
        "bad FILE or IMAGE: a symlink, a directory, a missing directory, an unwritable place, the state root, an unknown image; one line, exit 125, nothing left"
    )
    func refusals() throws {
        guard Requirements.met(tools: []) else { return }
        let setup = try Setup()
        let out = setup.directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out.appendingPathComponent("a-directory"), withIntermediateDirectories: true)
        let victim = out.appendingPathComponent("victim")
        try "keep me".write(to: victim, atomically: true, encoding: .utf8)
        let link = out.appendingPathComponent("link.tar")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: victim)
        let before = Self.contents(out)

        let cases: [(file: String, image: String, message: String)] = [
            (
                link.path, setup.name,
                "refusing to write \(link.path): it is a symbolic link, which securerun does not write through; give the real path; nothing was written"
            ),
            (
                out.appendingPathComponent("a-directory").path, setup.name,
                "refusing to write \(out.appendingPathComponent("a-directory").path): it is a directory; give a file name inside it; nothing was written"
            ),
            (
                out.appendingPathComponent("missing/app.tar").path, setup.name,
                "cannot open directory \(out.appendingPathComponent("missing").path): No such file or directory"
            ),
            ("/proc/securerun-save.tar", setup.name, "cannot create /proc/securerun-save.tar: "),
            (
                setup.publisher.cli.root.appendingPathComponent("blobs/sha256/app.tar").path, setup.name,
                "refusing to write \(setup.publisher.cli.root.appendingPathComponent("blobs/sha256/app.tar").path): it is inside the state root "
            ),
            (
                out.appendingPathComponent("app.tar").path, "save/missing:1",
                "no image 'save/missing:1' in the store at \(setup.publisher.cli.root.path); import or pull it first (`securerun image ls` lists stored images)"
            ),
        ]
        for (file, image, message) in cases {
            let refused = try setup.publisher.cli.run(["image", "save", image, "-o", file])
            #expect(refused.status == 125, "\(file): \(refused)")
            #expect(refused.stdout.isEmpty, "\(file): \(refused)")
            #expect(refused.stderr.hasPrefix("securerun: " + message), "\(file): \(refused)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(file): \(refused)")
        }
        #expect(Self.contents(out) == before)
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep me")
        #expect(Self.contents(setup.publisher.cli.root.appendingPathComponent("tmp")).isEmpty)
        #expect(!Self.contents(setup.publisher.cli.root.appendingPathComponent("blobs/sha256")).contains("app.tar"))
        let format = try setup.publisher.cli.run(["image", "save", setup.name, "-o", out.appendingPathComponent("x.tar").path, "--format", "zip"])
        #expect(format.status != 0 && !format.stderr.isEmpty, "\(format)")
        #expect(Self.contents(out) == before)
    }

    @Test("an existing FILE is refused without --force and replaced whole with it; a --force save that fails leaves it as it was")
    func replacesOnlyWithForce() throws {
        guard Requirements.met(tools: []) else { return }
        let setup = try Setup()
        let archive = setup.directory.appendingPathComponent("existing.tar")
        try "old".write(to: archive, atomically: true, encoding: .utf8)
        let refused = try setup.save(to: archive)
        #expect(refused.status == 125, "\(refused)")
        #expect(
            refused.stderr
                == "securerun: refusing to write \(archive.path): it exists; remove it or give --force to replace it; nothing was written\n",
            "\(refused)")
        #expect(try String(contentsOf: archive, encoding: .utf8) == "old")

        let forced = try setup.publisher.cli.run(["image", "save", setup.name, "-o", archive.path, "--force"])
        #expect(forced.status == 0, "\(forced)")
        let first = try Data(contentsOf: archive)
        #expect(first.count > 1024)
        // A corrupt layer blob in the store stops the save before the archive is touched.
        let layer = try #require(
            Self.contents(setup.publisher.cli.root.appendingPathComponent("blobs/sha256")).first { hex in
                hex != setup.publisher.digestHex && hex != String(setup.publisher.configDigest.dropFirst(7))
            })
        let blob = setup.publisher.cli.root.appendingPathComponent("blobs/sha256/\(layer)")
        var bytes = try Data(contentsOf: blob)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: blob)
        let corrupt = try setup.publisher.cli.run(["image", "save", setup.name, "-o", archive.path, "--force"])
        #expect(corrupt.status == 125, "\(corrupt)")
        #expect(corrupt.stderr.contains("does not match its digest"), "\(corrupt)")
        #expect(try Data(contentsOf: archive) == first)
        #expect(Self.contents(setup.directory).filter { $0.hasPrefix(".securerun-save") }.isEmpty)
    }
}
