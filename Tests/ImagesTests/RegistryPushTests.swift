import ContentDigest
import Foundation
import Testing

@testable import Images
@testable import Registry

/// Pushes to a real docker-registry on loopback through the library.
@Suite(.serialized) struct RegistryPushTests {
    func ready(_ test: String) -> Bool {
        toolAvailable(RegistryFixture.binary, for: test) && toolAvailable("/usr/bin/python3", for: test)
    }

    /// A store with the sample image.
    func sample() throws -> (TempDir, ImageStore, StoredImage) {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("local"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample:1")
        return (temp, store, image)
    }

    @Test func chunkedUploadGivesTheSameImageBack() async throws {
        guard ready("chunked push") else { return }
        let (temp, store, image) = try sample()
        let registry = try RegistryFixture()
        defer { registry.stop() }
        let layer = try #require(try store.manifest(image).layers.first)
        #expect(layer.size > 128, "the layer must span several chunks")
        let pushed = try await store.push("sample:1", to: "\(registry.address)/team/chunked:1", insecure: true, chunkSize: 64)
        #expect(pushed.manifestDigest == image.manifestDigest)
        #expect(Set(pushed.uploaded) == Set([layer.digest.description, image.configDigest]))
        let patches = registry.requests.filter { $0.hasPrefix("PATCH /v2/team/chunked/blobs/uploads/") }
        #expect(patches.count >= Int((layer.size + 63) / 64), "\(registry.requests)")

        let pulled = try await ImageStore(root: temp.path("pulled")).pull("\(registry.address)/team/chunked:1", insecure: true)
        #expect(pulled.manifestDigest == image.manifestDigest)
        #expect(pulled.configDigest == image.configDigest)
        #expect(FileManager.default.fileExists(atPath: pulled.rootfs.path + "/etc/hostname"))
    }

    @Test func attestationsPushedTheCosignWaysAreFoundAgainEachOnce() async throws {
        guard ready("attestation push") else { return }
        let (temp, store, image) = try sample()
        defer { withExtendedLifetime(temp) {} }
        let registry = try RegistryFixture()
        defer { registry.stop() }
        let vuln = "https://cosign.sigstore.dev/attestation/vuln/v1"
        let first = OutgoingAttestation(
            data: Data(#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}"#.utf8), mediaType: AttestationMediaType.dsseEnvelope,
            predicateType: vuln)
        let bundle = OutgoingAttestation(
            data: Data(
                #"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"payload":"e30=","payloadType":"x","signatures":[]}}"#.utf8),
            mediaType: AttestationMediaType.sigstoreBundle, predicateType: vuln)
        let target = "\(registry.address)/team/attested:1"
        let pushed = try await store.push("sample:1", to: target, insecure: true, attestations: [first])
        #expect(pushed.attestations.attTag == "\(registry.address)/team/attested:sha256-\(try #require(image.digest).hex).att")
        #expect(pushed.attestations.referrers.count == 1)
        // distribution 2.8 does not index referrers itself, so the fallback tag is written.
        #expect(pushed.attestations.referrersTag == "\(registry.address)/team/attested:sha256-\(try #require(image.digest).hex)")

        // A second push adds a bundle: the .att image keeps the first envelope, the fallback index lists both.
        _ = try await store.push("sample:1", to: target, insecure: true, attestations: [first, bundle])
        let client = try RegistryClient(registry: registry.address, insecure: true)
        let scan = await client.attestations(repository: "team/attested", for: try #require(image.digest))
        #expect(scan.warnings.isEmpty, "\(scan.warnings)")
        #expect(Set(scan.attestations.map(\.data)) == Set([first.data, bundle.data]))
        #expect(scan.attestations.count == 2)
        let att = try await client.manifest(repository: "team/attested", reference: "sha256-\(try #require(image.digest).hex).att")
        let layers = try CanonicalJSON.decode(Manifest.self, from: att.data, source: "att").layers
        #expect(layers.map(\.digest) == [Digest.of(first.data)])
        #expect(layers.first?.annotations == ["dev.cosignproject.cosign/signature": "", "predicateType": vuln])
    }

    @Test func anUploadLocationOnAnotherHostGetsNoCredentials() async throws {
        guard ready("upload elsewhere") else { return }
        let (temp, store, _) = try sample()
        let server = try UploadElsewhereServer(in: temp)
        defer { server.stop() }
        let pushed = try await store.push(
            "sample:1", to: "\(server.address)/team/app:1", insecure: true, credentials: RegistryCredentials(username: "alice", password: "s3cret"))
        #expect(pushed.uploaded.count == 2)
        let log = server.requests
        #expect(log.contains { $0.hasPrefix("front POST /v2/team/app/blobs/uploads/ with-credentials") }, "\(log)")
        let elsewhere = log.filter { $0.hasPrefix("storage ") }
        #expect(elsewhere.count == 2, "\(log)")
        #expect(elsewhere.allSatisfy { $0.hasSuffix(" no-credentials") }, "\(log)")
    }

    @Test func aRegistryOutsideTheAllowListOrADigestTargetIsRefusedBeforeAnyRequest() async throws {
        let (temp, store, image) = try sample()
        defer { withExtendedLifetime(temp) {} }
        await #expect(throws: ImageError.registryNotAllowed(registry: "127.0.0.1:1", allowed: ["registry.invalid"])) {
            try await store.push("sample:1", to: "127.0.0.1:1/x:1", insecure: true, allowedRegistries: ["registry.invalid"])
        }
        await #expect(
            throws: ImageError.invalidReference(
                reference: "127.0.0.1:1/x@\(image.manifestDigest)", reason: "push names the destination by tag (REGISTRY/NAME:TAG), not by digest")
        ) {
            try await store.push("sample:1", to: "127.0.0.1:1/x@\(image.manifestDigest)", insecure: true)
        }
    }
}

/// A registry that needs basic auth and hands out upload locations on a second host (127.0.0.2), which
/// logs whether each request carried credentials; both are Python's standard library.
final class UploadElsewhereServer {
    let front: Int
    let storage: Int
    let log: URL
    private var processes: [Process] = []
    var address: String { "127.0.0.1:\(front)" }

    private static let script = #"""
        import base64, http.server, signal, sys, threading
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        role, port, storage_port, log = sys.argv[1:5]
        lock = threading.Lock()
        expected = "Basic " + base64.b64encode(b"alice:s3cret").decode()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def note(self):
                with lock, open(log, "a") as handle:
                    handle.write("%s %s %s %s\n" % (role, self.command, self.path.split("?")[0],
                        "with-credentials" if self.headers.get("Authorization") else "no-credentials"))
            def body(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
            def answer(self, status, headers=None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def authorised(self):
                if self.headers.get("Authorization") == expected:
                    return True
                self.answer(401, {"WWW-Authenticate": 'Basic realm="test"'})
                return False
            def do_HEAD(self):
                self.note()
                if role == "front" and self.authorised():
                    self.answer(404)
            def do_POST(self):
                self.note()
                self.body()
                if self.authorised():
                    self.answer(202, {"Location": "http://127.0.0.2:%s/upload/1?_state=abc" % storage_port})
            def do_PUT(self):
                self.note()
                self.body()
                if role == "storage" or self.authorised():
                    self.answer(201)
            def log_message(self, *args):
                pass

        host = "127.0.0.1" if role == "front" else "127.0.0.2"
        http.server.ThreadingHTTPServer((host, int(port)), Handler).serve_forever()
        """#

    init(in temp: TempDir) throws {
        front = RegistryFixture.freePort()
        storage = Int.random(in: 41000..<49000)
        log = temp.path("upload-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        processes = try PythonServers.start(
            Self.script, arguments: [("front", front), ("storage", storage)].map { role, port in [role, "\(port)", "\(storage)", log.path] },
            listening: [("127.0.0.1", front), ("127.0.0.2", storage)])
    }

    /// `role METHOD PATH with-credentials|no-credentials`, one per request.
    var requests: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() { PythonServers.stop(processes) }

    deinit { stop() }
}
