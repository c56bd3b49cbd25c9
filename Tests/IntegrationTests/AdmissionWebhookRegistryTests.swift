import Foundation
import KubernetesAdmission
import Policy
import TestSupport
import Testing

/// The webhook finds an image's attestations in the image's registry when its store has none that admit
/// it: a real docker-registry on 127.0.0.1 holds the image and cosign's `.att` tag, the webhook's state
/// root only trusts the publisher's key. The fetched envelopes are judged by the one gate (a stale or
/// altered one refuses), kept so the next review asks no registry, and a registry that cannot be read, or
/// that the profile does not allow, refuses the pod (fail closed) without a hang.
@Suite("admission webhook: attestations fetched from the image's registry", .serialized)
struct AdmissionWebhookRegistryTests {
    /// An image published to `registry` as `repository:1` by a fixture with its own key.
    struct Published {
        let fixture: AdmissionFixture
        let registry: LocalRegistry
        let repository: String
        /// `127.0.0.1:PORT/REPOSITORY@sha256:…`, as a pod names it.
        var reference: String { "\(registry.host)/\(repository)@\(fixture.digest)" }

        init(_ repository: String, to registry: LocalRegistry) throws {
            fixture = try AdmissionFixture(image: "test/\(repository):1")
            self.registry = registry
            self.repository = repository
            let layout = fixture.directory.url.appendingPathComponent("layout")
            try OCILayout.export(manifestDigest: fixture.digest, from: fixture.cli.root, to: layout)
            try registry.push("oci:\(layout.path)", to: "\(repository):1")
        }

        /// An envelope `image attest --output` makes: a scan finished now, or (`fresh: false`) at the
        /// report's own old time; optionally altered after signing.
        func envelope(fresh: Bool = true, tampered: Bool = false) throws -> Data {
            let file = fixture.directory.url.appendingPathComponent("envelope-\(UUID().uuidString.prefix(6)).json")
            // The tampering turns a CRITICAL finding into a LOW one, so that report has one.
            let report = tampered ? "trivy-debian-buster.json" : "trivy-alpine-310.json"
            try expectSuccess(fixture.attest(report, fresh: fresh, extra: ["--output", file.path]))
            if tampered { try AdmissionFixture.tamper(file) }
            return try Data(contentsOf: file)
        }

        /// Pushes cosign's legacy attestation image, tag `sha256-<hex>.att`, one envelope per layer.
        func pushAttTag(_ envelope: Data) async throws {
            let config = try await registry.pushBlob(Data("{}".utf8), mediaType: "application/vnd.oci.image.config.v1+json", repository: repository)
            let layer = try await registry.pushBlob(envelope, mediaType: "application/vnd.dsse.envelope.v1+json", repository: repository)
            let manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":\(config.json),"layers":[\(layer.json)]}
                """
            try await registry.pushManifest(
                manifest, mediaType: "application/vnd.oci.image.manifest.v1+json", repository: repository,
                reference: "sha256-\(fixture.digestHex).att")
        }

        /// The registry's requests for this image's attestations so far.
        var attestationRequests: [String] { registry.requests(containing: "sha256-\(fixture.digestHex)") }
    }

    /// `securerun-net admission serve` over a state root of its own that trusts `keys` and stores nothing
    /// else; stopped and removed at deinit. Its state is set in `init` only, so reviews may be posted from
    /// several threads.
    final class Webhook: @unchecked Sendable {
        let directory: TemporaryDirectory
        let consumer: CLI
        let seccompFile: String
        private(set) var port = 0
        private var process: Process?
        var log: String { (try? String(contentsOf: directory.url.appendingPathComponent("webhook.log"), encoding: .utf8)) ?? "" }

        init(trusting keys: [String], allowedRegistries: [String], arguments: [String]) throws {
            directory = try TemporaryDirectory("securerun-webhook-registry")
            consumer = CLI(root: directory.url.appendingPathComponent("state"))
            for (number, key) in keys.enumerated() { try expectSuccess(consumer.run(["key", "trust", "--name", "publisher-\(number)", key])) }
            let profile = directory.url.appendingPathComponent("webhook-registry.yaml")
            try """
            name: webhook-registry
            seccomp: \(CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json").path)
            user: "1000:1000"
            resources: {memory: 512m, memorySwap: 512m, cpus: 1.0, pidsLimit: 256}
            tmpfs: [{path: /tmp, size: 64m}]
            allowedRegistries: [\(allowedRegistries.joined(separator: ", "))]
            admission:
              blockAt: HIGH

            """.write(to: profile, atomically: true, encoding: .utf8)
            seccompFile = try KubernetesSeccomp.fileName(for: try ProfileLoader.load(file: profile))
            let certificate = directory.url.appendingPathComponent("tls.crt").path
            let key = directory.url.appendingPathComponent("tls.key").path
            try WebhookFixture.makeCertificate(certificate: certificate, key: key)
            let logFile = directory.url.appendingPathComponent("webhook.log")
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
            for _ in 0..<5 where process == nil {
                let candidate = Int.random(in: 20000..<30000)
                let started = Process()
                started.executableURL = URL(fileURLWithPath: WebhookFixture.netBinary)
                started.arguments =
                    [
                        "admission", "serve", "--profile", profile.path, "--tls-cert", certificate, "--tls-key", key, "--listen", "127.0.0.1:\(candidate)",
                    ] + arguments
                started.environment = ["SECURERUN_ROOT": consumer.root.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
                let handle = try FileHandle(forWritingTo: logFile)
                handle.seekToEndOfFile()
                started.standardOutput = handle
                started.standardError = handle
                try started.run()
                Wait.until(interval: 0.05) { !started.isRunning || self.log.contains("serving") }
                if started.isRunning {
                    process = started
                    port = candidate
                } else {
                    started.waitUntilExit()
                }
            }
            guard process != nil else { throw TestFailure("the webhook did not start: \(log)") }
        }

        deinit {
            if let process, process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }

        /// curl to the webhook, trusting its certificate.
        func curl(_ arguments: [String]) throws -> WebhookFixture.Response {
            let marker = "\n--status:"
            let certificate = directory.url.appendingPathComponent("tls.crt").path
            let result = try CLI.exec(
                "curl", ["-sS", "--max-time", "20", "--cacert", certificate, "-w", "\(marker)%{http_code}"] + arguments, timeout: 30)
            guard result.status == 0, let range = result.stdout.range(of: marker, options: .backwards) else { throw TestFailure("curl failed: \(result)") }
            return WebhookFixture.Response(status: Int(result.stdout[range.upperBound...]) ?? 0, body: String(result.stdout[..<range.lowerBound]))
        }

        /// The answer to a CREATE review of a compliant pod running `image`.
        func review(image: String) throws -> WebhookFixture.Response {
            let pod = PodDocuments.compliant(image: image, seccompFile: seccompFile, user: 1000, command: ["/bin/true"])
            let request: [String: Any] = [
                "uid": UUID().uuidString, "kind": ["group": "", "version": "v1", "kind": "Pod"],
                "resource": ["group": "", "version": "v1", "resource": "pods"], "operation": "CREATE", "object": pod, "namespace": "apps",
                "userInfo": ["username": "alice"],
            ]
            let file = directory.url.appendingPathComponent("review-\(UUID().uuidString.prefix(6)).json")
            try JSONSerialization.data(withJSONObject: ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request]).write(to: file)
            return try curl(["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@\(file.path)", "https://127.0.0.1:\(port)/validate"])
        }

        /// `securerun_admission_registry_fetches_total{outcome=…}` now.
        func fetches(_ outcome: String) throws -> Int {
            let metrics = try curl(["https://127.0.0.1:\(port)/metrics"]).body
            let prefix = "securerun_admission_registry_fetches_total{outcome=\"\(outcome)\"} "
            guard let line = metrics.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { throw TestFailure("no \(prefix) in \(metrics)") }
            return Int(line.dropFirst(prefix.count)) ?? -1
        }
    }

    static var tools: Bool { Requirements.met(tools: ["docker-registry", "skopeo", "openssl", "curl"]) }

    @Test("an image attested only in its registry is admitted; the next review asks no registry, even once it is gone")
    func fetchedOnceThenCached() async throws {
        guard Self.tools else { return }
        let registry = try LocalRegistry(in: FileManager.default.temporaryDirectory)
        let image = try Published("it/fetched", to: registry)
        try await image.pushAttTag(try image.envelope())
        let webhook = try Webhook(
            trusting: [image.fixture.keyPrefix + ".pub"], allowedRegistries: [registry.host], arguments: ["--insecure-registry", registry.host])

        let first = try webhook.review(image: image.reference)
        #expect(first.allowed == true, "\(first.body)\n\(webhook.log)")
        #expect(try webhook.fetches("found") == 1)
        let asked = image.attestationRequests
        #expect(!asked.isEmpty, "the registry was never asked")

        let second = try webhook.review(image: image.reference)
        #expect(second.allowed == true, "\(second.body)")
        #expect(image.attestationRequests == asked, "the second review asked the registry again")
        #expect(try webhook.fetches("found") == 1)

        // Within the cache window the registry is not needed at all.
        registry.stop()
        let third = try webhook.review(image: image.reference)
        #expect(third.allowed == true, "\(third.body)\n\(webhook.log)")
        // Nothing was stored: the store still has no attestation for the image.
        #expect(!FileManager.default.fileExists(atPath: webhook.consumer.root.appendingPathComponent("attestations/sha256-\(image.fixture.digestHex)").path))
    }

    @Test("reviews arriving together for an image not fetched yet share one fetch")
    func concurrentReviewsShareOneFetch() async throws {
        guard Self.tools else { return }
        let registry = try LocalRegistry(in: FileManager.default.temporaryDirectory)
        let image = try Published("it/together", to: registry)
        try await image.pushAttTag(try image.envelope())
        let webhook = try Webhook(
            trusting: [image.fixture.keyPrefix + ".pub"], allowedRegistries: [registry.host], arguments: ["--insecure-registry", registry.host])
        let answers = CollectedAnswers()
        let reference = image.reference
        DispatchQueue.concurrentPerform(iterations: 8) { _ in answers.add(try? webhook.review(image: reference)) }
        #expect(answers.all.count == 8 && answers.all.allSatisfy { $0.allowed == true }, "\(answers.all.map(\.body))\n\(webhook.log)")
        #expect(try webhook.fetches("found") == 1)
        // One look at the .att tag, whatever the number of reviews.
        #expect(image.attestationRequests.filter { $0.hasPrefix("GET ") && $0.contains(".att ") }.count == 1, "\(image.attestationRequests)")
    }

    @Test("\"none found\" is remembered only for the negative TTL: an attestation pushed later admits the image")
    func nothingFoundExpires() async throws {
        guard Self.tools else { return }
        let registry = try LocalRegistry(in: FileManager.default.temporaryDirectory)
        let image = try Published("it/later", to: registry)
        let webhook = try Webhook(
            trusting: [image.fixture.keyPrefix + ".pub"], allowedRegistries: [registry.host],
            arguments: ["--insecure-registry", registry.host, "--registry-negative-ttl", "1"])

        let before = try webhook.review(image: image.reference)
        #expect(before.allowed == false)
        #expect(before.message.contains("has no attestation for it either"), "\(before.message)")
        #expect(before.message.contains("[SR027 image-admission]"), "\(before.message)")
        try await image.pushAttTag(try image.envelope())
        #expect(Wait.until(timeout: 10, interval: 0.5) { (try? webhook.review(image: image.reference))?.allowed == true }, "\(webhook.log)")
        #expect(try webhook.fetches("none") >= 1)
        #expect(try webhook.fetches("found") == 1)
    }

    @Test("a stale scan, an altered envelope and one signed by an untrusted key, in the registry, are refused by the gate with SR027")
    func staleAndAlteredRefused() async throws {
        guard Self.tools else { return }
        let registry = try LocalRegistry(in: FileManager.default.temporaryDirectory)
        let stale = try Published("it/stale", to: registry)
        try await stale.pushAttTag(try stale.envelope(fresh: false))
        let altered = try Published("it/altered", to: registry)
        try await altered.pushAttTag(try altered.envelope(tampered: true))
        // Signed by its publisher's key, which the webhook does not trust.
        let untrusted = try Published("it/untrusted", to: registry)
        try await untrusted.pushAttTag(try untrusted.envelope())
        let webhook = try Webhook(
            trusting: [stale.fixture.keyPrefix + ".pub", altered.fixture.keyPrefix + ".pub"], allowedRegistries: [registry.host],
            arguments: ["--insecure-registry", registry.host])

        let old = try webhook.review(image: stale.reference)
        #expect(old.allowed == false)
        #expect(old.code == 403)
        #expect(old.message.contains("[SR027 image-admission]"), "\(old.message)")
        #expect(old.message.contains("scan too old"), "\(old.message)")
        #expect(old.message.contains("fetched from registry \(registry.host)/it/stale"), "\(old.message)")

        let changed = try webhook.review(image: altered.reference)
        #expect(changed.allowed == false)
        #expect(changed.message.contains("[SR027 image-admission]"), "\(changed.message)")
        #expect(changed.message.contains("nor in the image's registry"), "\(changed.message)")

        let stranger = try webhook.review(image: untrusted.reference)
        #expect(stranger.allowed == false)
        #expect(stranger.message.contains("[SR027 image-admission]"), "\(stranger.message)")
        #expect(stranger.message.contains("no signature by a trusted key"), "\(stranger.message)")

        // Refusals are cached too: judged again from what was fetched, no new request.
        let asked = stale.attestationRequests
        #expect(try webhook.review(image: stale.reference).allowed == false)
        #expect(stale.attestationRequests == asked)
    }

    @Test("a registry that is down, or answers plain HTTP where HTTPS is due, refuses the pod within the timeout (fail closed)")
    func unreadableRegistryFailsClosed() async throws {
        guard Self.tools else { return }
        let registry = try LocalRegistry(in: FileManager.default.temporaryDirectory)
        let plain = try Published("it/plain", to: registry)
        try await plain.pushAttTag(try plain.envelope())
        let down = try LocalRegistry(in: FileManager.default.temporaryDirectory)
        let gone = try Published("it/gone", to: down)
        try await gone.pushAttTag(try gone.envelope())
        down.stop()
        // `down` may be spoken to in plain HTTP (it is not there); `registry` only over HTTPS, which it does not speak.
        let webhook = try Webhook(
            trusting: [plain.fixture.keyPrefix + ".pub", gone.fixture.keyPrefix + ".pub"], allowedRegistries: [registry.host, down.host],
            arguments: ["--insecure-registry", down.host, "--registry-timeout", "2"])

        let started = Date()
        let unreachable = try webhook.review(image: gone.reference)
        let elapsed = Date().timeIntervalSince(started)
        #expect(unreachable.allowed == false)
        #expect(unreachable.message.contains("[SR027 image-admission]"), "\(unreachable.message)")
        #expect(unreachable.message.contains("could not be fetched from its registry"), "\(unreachable.message)")
        #expect(elapsed < 5, "the review took \(elapsed) s")
        #expect(try webhook.fetches("unreadable") == 1)

        let insecure = try webhook.review(image: plain.reference)
        #expect(insecure.allowed == false)
        #expect(insecure.message.contains("[SR027 image-admission]"), "\(insecure.message)")
        #expect(insecure.message.contains("plain http"), "\(insecure.message)")
        #expect(try webhook.fetches("unreadable") == 2)
        // The answer is remembered for the negative TTL: no second fetch.
        #expect(try webhook.review(image: plain.reference).allowed == false)
        #expect(try webhook.fetches("unreadable") == 2)
    }

    @Test("a registry the profile does not allow is never contacted, and the pod is refused")
    func registryNotAllowedIsNeverContacted() async throws {
        guard Self.tools else { return }
        let allowed = try LocalRegistry(in: FileManager.default.temporaryDirectory)
        let other = try LocalRegistry(in: FileManager.default.temporaryDirectory)
        let image = try Published("it/elsewhere", to: other)
        try await image.pushAttTag(try image.envelope())
        let before = other.requests().count
        let webhook = try Webhook(
            trusting: [image.fixture.keyPrefix + ".pub"], allowedRegistries: [allowed.host],
            arguments: ["--insecure-registry", allowed.host, "--insecure-registry", other.host])

        let refused = try webhook.review(image: image.reference)
        #expect(refused.allowed == false)
        #expect(refused.message.contains("is not in profile \"webhook-registry\" allowedRegistries"), "\(refused.message)")
        #expect(other.requests().count == before, "the registry was contacted: \(other.requests().dropFirst(before))")
        #expect(try webhook.fetches("found") + webhook.fetches("none") + webhook.fetches("unreadable") == 0)
    }
}

/// Answers collected from several threads.
final class CollectedAnswers: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [WebhookFixture.Response] = []
    func add(_ answer: WebhookFixture.Response?) { lock.withLock { if let answer { answers.append(answer) } } }
    var all: [WebhookFixture.Response] { lock.withLock { answers } }
}
