import ContentDigest
import Foundation
import Testing

/// `securerun image push` sends a stored image and its attestations to a real docker-registry; a pull of
/// the pushed reference into a fresh state root gets the same manifest digest and the attestations, and
/// `image verify` admits the image there with the same key.
@Suite("securerun image push: the image and its attestations, to a real registry", .serialized)
struct ImagePushTests {
    /// A publisher root with one attested image and a registry (with htpasswd auth when `user` is given).
    struct Setup {
        let publisher: AdmissionFixture
        let registry: LocalRegistry
        let image = "push/app:1"
        var target: String { "\(registry.host)/it/pushed:1" }

        init(user: String? = nil, password: String? = nil) throws {
            publisher = try AdmissionFixture(image: image)
            try expectSuccess(publisher.attest("trivy-alpine-310.json"))
            registry = try LocalRegistry(in: publisher.directory.url, user: user, password: password)
        }

        func push(_ extra: [String] = [], target: String? = nil, stdin: String? = nil) throws -> CLIResult {
            try publisher.cli.run(["image", "push", "--insecure"] + extra + [image, target ?? self.target], stdin: stdin)
        }

        func profile() throws -> String { try publisher.profile("  blockAt: HIGH", name: "pushed") }

        /// Requests that started a blob upload.
        var uploadsStarted: [String] { registry.requests(containing: "/blobs/uploads/").filter { $0.hasPrefix("POST ") } }
    }

    static func setup(user: String? = nil, password: String? = nil) throws -> Setup? {
        guard Requirements.met(tools: ["docker-registry", "skopeo", "htpasswd"]) else { return nil }
        return try Setup(user: user, password: password)
    }

    @Test("push, then pull into a fresh root: the same manifest digest, the attestation arrives and is admitted with the same key")
    func pushThenPull() throws {
        guard let setup = try Self.setup() else { return }
        let pushed = try setup.push()
        #expect(pushed.status == 0, "\(pushed)")
        let hex = setup.publisher.digestHex
        #expect(
            pushed.stdout == """
                pushed \(setup.target) \(setup.publisher.digest) (2 blobs uploaded, 0 already there)
                pushed 1 attestation: \(setup.registry.host)/it/pushed:sha256-\(hex).att, 1 referrer, \
                fallback index \(setup.registry.host)/it/pushed:sha256-\(hex)

                """, "\(pushed)")
        #expect(pushed.stderr.isEmpty, "\(pushed)")

        // Another client agrees on what the registry holds.
        let inspected = try CLI.exec("skopeo", ["inspect", "--tls-verify=false", "docker://\(setup.target)"])
        #expect(inspected.status == 0, "\(inspected)")
        #expect((try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])?["Digest"] as? String == setup.publisher.digest)
        let att = try CLI.exec("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(setup.registry.host)/it/pushed:sha256-\(hex).att"])
        #expect(att.stdout.contains(#""mediaType":"application/vnd.dsse.envelope.v1+json""#), "\(att)")
        #expect(att.stdout.contains(#""dev.cosignproject.cosign/signature":"""#), "\(att)")
        #expect(att.stdout.contains(#""predicateType":"https://cosign.sigstore.dev/attestation/vuln/v1""#), "\(att)")

        let consumer = CLI(root: setup.publisher.directory.url.appendingPathComponent("consumer"))
        try expectSuccess(consumer.run(["key", "trust", setup.publisher.keyPrefix + ".pub"]))
        let pulled = try consumer.run(["image", "pull", "--insecure", setup.target])
        #expect(pulled.status == 0, "\(pulled)")
        #expect(
            pulled.stdout.contains("\nstored 1 attestation for \(setup.publisher.digest) (checked by the admission gate when verified or run)\n"), "\(pulled)")
        #expect(pulled.stderr.isEmpty, "\(pulled)")
        #expect(try AdmissionFixture.manifestDigest(of: setup.target, cli: consumer) == setup.publisher.digest)
        #expect(try AdmissionFixture.inspect(setup.target, cli: consumer, field: "configDigest") == setup.publisher.configDigest)
        let verified = try consumer.run(["image", "verify", "--profile", try setup.profile(), setup.target])
        #expect(verified.status == 0, "\(verified)")
        #expect(verified.stdout.hasPrefix("admitted: \(setup.target) (\(setup.publisher.digest)) under profile pushed\n"), "\(verified)")
    }

    @Test("a second push uploads no blob again (the registry's log shows no new upload) and keeps the attestation once")
    func noBlobTwice() throws {
        guard let setup = try Self.setup() else { return }
        try expectSuccess(setup.push())
        let uploads = setup.uploadsStarted
        // config, layer, envelope, the .att config and the empty config: each uploaded once.
        #expect(uploads.count == 5, "\(uploads)")
        let again = try setup.push()
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.hasPrefix("pushed \(setup.target) \(setup.publisher.digest) (0 blobs uploaded, 2 already there)\n"), "\(again)")
        #expect(setup.uploadsStarted == uploads, "\(setup.registry.requests())")
        // The same image under another tag of the same repository: still nothing uploaded.
        let other = try setup.push(target: "\(setup.registry.host)/it/pushed:2")
        #expect(other.stdout.hasPrefix("pushed \(setup.registry.host)/it/pushed:2 \(setup.publisher.digest) (0 blobs uploaded, 2 already there)\n"))
        #expect(setup.uploadsStarted == uploads, "\(setup.registry.requests())")
        let att = try CLI.exec(
            "skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(setup.registry.host)/it/pushed:sha256-\(setup.publisher.digestHex).att"])
        #expect(att.stdout.components(separatedBy: "application/vnd.dsse.envelope.v1+json").count == 2, "\(att)")
    }

    @Test("a registry behind htpasswd: pushed with --username/--password-stdin, refused without")
    func credentials() throws {
        guard let setup = try Self.setup(user: "pusher", password: "s3cret-push") else { return }
        let refused = try setup.push()
        #expect(refused.status == 125, "\(refused)")
        #expect(
            refused.stderr.hasPrefix("securerun: registry \(setup.registry.host) refused access to it/pushed: it asks for a user name and password"),
            "\(refused)")
        let pushed = try setup.push(["--username", "pusher", "--password-stdin"], stdin: "s3cret-push\n")
        #expect(pushed.status == 0, "\(pushed)")
        let inspected = try CLI.exec("skopeo", ["inspect", "--tls-verify=false", "--creds", "pusher:s3cret-push", "docker://\(setup.target)"])
        #expect(inspected.status == 0, "\(inspected)")
    }

    @Test("refusals before any request: a registry outside allowedRegistries, a TARGET with a digest, an unknown image, --insecure off loopback")
    func refusals() throws {
        guard let setup = try Self.setup() else { return }
        let restricted = try RunFixture.writeProfile(in: setup.publisher.directory.url, name: "restricted", extra: "allowedRegistries: [registry.invalid]")
        let before = setup.registry.requests()
        let cases: [([String], String)] = [
            (
                ["--profile", restricted, setup.image, setup.target],
                "securerun: refusing to push \(setup.target): registry \(setup.registry.host) is not in profile \"restricted\" allowedRegistries (registry.invalid) [SR027 image-admission]\n"
            ),
            (
                [setup.image, "\(setup.registry.host)/it/pushed@\(setup.publisher.digest)"],
                "securerun: invalid image reference '\(setup.registry.host)/it/pushed@\(setup.publisher.digest)': push names the destination by tag (REGISTRY/NAME:TAG), not by digest\n"
            ),
            (
                ["push/missing:1", setup.target],
                "securerun: no image 'push/missing:1' in the store at \(setup.publisher.cli.root.path); import or pull it first (`securerun image ls` lists stored images)\n"
            ),
        ]
        for (arguments, message) in cases {
            let refused = try setup.publisher.cli.run(["image", "push", "--insecure"] + arguments)
            #expect(refused.status == 125, "\(arguments): \(refused)")
            #expect(refused.stdout.isEmpty && refused.stderr == message, "\(arguments): \(refused)")
        }
        #expect(setup.registry.requests() == before, "a refused push sends nothing")
        let insecure = try setup.publisher.cli.run(["image", "push", "--insecure", setup.image, "registry.example.com/it/x:1"])
        #expect(insecure.status == 125)
        #expect(
            insecure.stderr == "securerun: --insecure (plain http) is allowed only for loopback registries, not registry.example.com; use https\n",
            "\(insecure)")
        #expect(ImageSaveTests.contents(setup.publisher.cli.root.appendingPathComponent("tmp")).isEmpty)
    }
}
