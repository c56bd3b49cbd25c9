import Foundation
import Testing

@testable import Images
@testable import Registry

/// Pulls from a real docker-registry on loopback.
@Suite(.serialized) struct RegistryPullTests {
    func ready(_ test: String) -> Bool {
        toolAvailable(RegistryFixture.binary, for: test) && toolAvailable("/usr/bin/skopeo", for: test)
            && toolAvailable("/usr/bin/htpasswd", for: test)
    }

    /// A sample image imported locally and pushed to a fresh registry as team/sample:1.
    func pushedSample() throws -> (TempDir, ImageStore, StoredImage, RegistryFixture) {
        let temp = TempDir()
        let local = ImageStore(root: temp.path("local"))
        let image = try local.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        try exportLayout(image, from: local, to: temp.path("layout"))
        let registry = try RegistryFixture()
        try registry.push(layout: temp.path("layout"), to: "team/sample:1")
        return (temp, local, image, registry)
    }

    @Test func pullGivesTheSameImageAsTheLocalImport() async throws {
        guard ready("pull") else { return }
        let (temp, _, image, registry) = try pushedSample()
        defer { registry.stop() }

        let store = ImageStore(root: temp.path("pulled"))
        let pulled = try await store.pull("\(registry.address)/team/sample:1", insecure: true)
        #expect(pulled.manifestDigest == image.manifestDigest)
        #expect(pulled.configDigest == image.configDigest)
        #expect(pulled.names == ["\(registry.address)/team/sample:1"])
        #expect(pulled.registry == registry.address)
        #expect(FileManager.default.fileExists(atPath: pulled.rootfs.path + "/etc/hostname"))

        let byDigest = try await ImageStore(root: temp.path("by-digest")).pull("\(registry.address)/team/sample@\(image.manifestDigest)", insecure: true)
        #expect(byDigest.manifestDigest == image.manifestDigest)
    }

    @Test func registriesOutsideTheAllowListAreRefusedBeforeAnyRequest() async throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        await #expect(throws: ImageError.registryNotAllowed(registry: "127.0.0.1:1", allowed: ["ghcr.io"])) {
            try await store.pull("127.0.0.1:1/x:1", insecure: true, allowedRegistries: ["ghcr.io"])
        }
        await #expect(throws: ImageError.insecureNotLoopback(host: "example.com")) {
            try await store.pull("example.com/x:1", insecure: true)
        }
    }

    @Test func basicAuthNeedsTheRightCredentials() async throws {
        guard ready("pull with auth") else { return }
        let temp = TempDir()
        let local = ImageStore(root: temp.path("local"))
        let image = try local.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        try exportLayout(image, from: local, to: temp.path("layout"))
        let registry = try RegistryFixture(user: "alice", password: "s3cret")
        defer { registry.stop() }
        try registry.push(layout: temp.path("layout"), to: "private/sample:1", user: "alice", password: "s3cret")
        let store = ImageStore(root: temp.path("pulled"))
        let reference = "\(registry.address)/private/sample:1"

        await #expect { try await store.pull(reference, insecure: true) } throws: { error in
            (error as? ImageError)?.description.contains("asks for a user name and password") == true
        }
        await #expect { try await store.pull(reference, insecure: true, credentials: .init(username: "alice", password: "wrong")) } throws: { error in
            (error as? ImageError)?.description.contains("credentials were refused") == true
        }
        let authfile = try temp.write("auth.json", #"{"auths":{"\#(registry.address)":{"auth":"\#(Data("alice:s3cret".utf8).base64EncodedString())"}}}"#)
        let credentials = try RegistryCredentials.fromAuthFile(authfile, registry: registry.address)
        let pulled = try await store.pull(reference, insecure: true, credentials: credentials)
        #expect(pulled.manifestDigest == image.manifestDigest)
        #expect(try store.list().count == 1, "failed pulls stored nothing")
    }

    @Test func aMissingTagAndACorruptedBlobAreClearErrorsAndStoreNothing() async throws {
        guard ready("pull failures") else { return }
        let (temp, local, image, registry) = try pushedSample()
        defer { registry.stop() }
        let store = ImageStore(root: temp.path("pulled"))

        await #expect { try await store.pull("\(registry.address)/team/sample:nope", insecure: true) } throws: { error in
            let message = (error as? ImageError)?.description ?? ""
            return message.contains("team/sample") && message.contains("nope")
        }

        // Corrupt the layer as the registry stores it on disk: it then serves bytes that do not match the digest.
        let manifest = try local.manifest(image)
        let layer = try #require(manifest.layers.first).digest
        let stored = registry.temp.path("data/docker/registry/v2/blobs/sha256/\(layer.hex.prefix(2))/\(layer.hex)/data")
        var bytes = try Data(contentsOf: stored)
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: stored)
        await #expect { try await store.pull("\(registry.address)/team/sample:1", insecure: true) } throws: { error in
            (error as? ImageError)?.description.contains(layer.description) == true
        }
        #expect(try store.list().isEmpty, "failed pulls stored nothing")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: temp.path("pulled/rootfs").path)) ?? []
        #expect(leftovers.isEmpty, "no half-made rootfs: \(leftovers)")
    }

    /// A setuid-root binary pulled into the host's store would be a root shell for any local user.
    @Test func aPulledSetuidRootFileArrivesWithoutItsBitAndBlobsAreRootOnly() async throws {
        guard ready("pull setuid") else { return }
        let temp = TempDir()
        let tree = try makeSampleRootfs(in: temp)
        try temp.write("rootfs/bin/su", "su\n", mode: 0o4755)
        let local = ImageStore(root: temp.path("local"))
        let image = try local.importRootfs(directory: tree, tag: "setuid")
        try exportLayout(image, from: local, to: temp.path("layout"))
        let registry = try RegistryFixture()
        defer { registry.stop() }
        try registry.push(layout: temp.path("layout"), to: "team/setuid:1")

        let store = ImageStore(root: temp.path("pulled"))
        let pulled = try await store.pull("\(registry.address)/team/setuid:1", insecure: true)
        var info = stat()
        #expect(lstat(pulled.rootfs.path + "/bin/su", &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o755, "mode is \(String(info.st_mode & 0o7777, radix: 8))")
        #expect(info.st_uid == 0)
        for entry in storeEntries(store.root) where entry.path.hasPrefix("blobs/") && !entry.isDirectory {
            #expect(entry.mode == 0o600, "\(entry.path)")
        }
        #expect(try store.check([]).first?.ok == true)
        #expect(leftovers(store.root).isEmpty)
    }

    @Test func aPulledGzipBombIsRefusedAndNothingIsStored() async throws {
        guard ready("pull bomb") else { return }
        let temp = TempDir()
        try writeGzipBomb(to: temp.path("bomb.tar.gz"), megabytes: 1100)
        _ = try makeLayout(layer: temp.path("bomb.tar.gz"), at: temp.path("layout"))
        let registry = try RegistryFixture()
        defer { registry.stop() }
        try registry.push(layout: temp.path("layout"), to: "team/bomb:1")

        let store = ImageStore(root: temp.path("pulled"))
        await #expect {
            try await store.pull("\(registry.address)/team/bomb:1", insecure: true)
        } throws: { error in
            guard case .limitExceeded(let layer, .expansion, _) = error as? ImageError else { return false }
            return layer.hasPrefix("layer sha256:")
        }
        #expect(try store.list().isEmpty)
        #expect(leftovers(store.root).isEmpty, "\(leftovers(store.root))")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: store.root.path + "/blobs/sha256")) ?? []).isEmpty)
    }

    /// Item 7: the registry's credentials went along with a blob request redirected to a storage host
    /// ("Only one auth mechanism allowed"; in general, a leak). A redirect to another host now gets none,
    /// and the pull succeeds through a storage host that refuses any Authorization header.
    @Test func credentialsNeverFollowARedirectToAnotherHost() async throws {
        guard ready("redirects"), toolAvailable("/usr/bin/python3", for: "redirects") else { return }
        let temp = TempDir()
        let local = ImageStore(root: temp.path("local"))
        let image = try local.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        try exportLayout(image, from: local, to: temp.path("layout"))
        let registry = try RegistryFixture(user: "alice", password: "s3cret")
        defer { registry.stop() }
        try registry.push(layout: temp.path("layout"), to: "private/sample:1", user: "alice", password: "s3cret")
        let frontend = try RedirectingFrontend(for: registry, in: temp)
        defer { frontend.stop() }

        let store = ImageStore(root: temp.path("pulled"))
        await #expect { try await store.pull("\(frontend.address)/private/sample:1", insecure: true) } throws: { error in
            (error as? ImageError)?.description.contains("asks for a user name and password") == true
        }
        let pulled = try await store.pull("\(frontend.address)/private/sample:1", insecure: true, credentials: .init(username: "alice", password: "s3cret"))
        #expect(pulled.manifestDigest == image.manifestDigest)
        let requests = frontend.storageRequests
        let manifest = try local.manifest(image)
        #expect(requests.count == manifest.layers.count + 1, "config and layers came from the storage host: \(requests)")
        #expect(requests.allSatisfy { $0.hasSuffix(" no-credentials") }, "\(requests)")
    }

    @Test func credentialsAreBoundToSchemeHostAndPort() throws {
        func origin(_ text: String) throws -> String { RegistryTransport.origin(try #require(URL(string: text))) }
        #expect(try origin("https://registry.test/v2/x") == origin("https://registry.test:443/v2/y"))
        #expect(try origin("https://registry.test/v2/x") != origin("http://registry.test/v2/x"))
        #expect(try origin("http://127.0.0.1:5000/v2/x") != origin("http://127.0.0.1:5001/v2/x"))
        #expect(try origin("https://Registry.Test/v2/x") == origin("https://registry.test/v2/x"))
        #expect(try origin("https://registry.test/v2/x") != origin("https://storage.test/v2/x"))
    }

    /// Item 7: transient failures (503 from a busy registry) are retried, a bounded number of times.
    @Test func transientFailuresAreRetriedABoundedNumberOfTimes() async throws {
        guard ready("retries"), toolAvailable("/usr/bin/python3", for: "retries") else { return }
        let (temp, _, image, registry) = try pushedSample()
        defer { registry.stop() }
        let flaky = try RedirectingFrontend(for: registry, in: temp, failFirst: RegistryTransport.attempts - 1)
        defer { flaky.stop() }
        let pulled = try await ImageStore(root: temp.path("flaky")).pull("\(flaky.address)/team/sample:1", insecure: true)
        #expect(pulled.manifestDigest == image.manifestDigest)

        let down = try RedirectingFrontend(for: registry, in: temp, failFirst: 100)
        defer { down.stop() }
        let store = ImageStore(root: temp.path("down"))
        await #expect { try await store.pull("\(down.address)/team/sample:1", insecure: true) } throws: { error in
            let message = (error as? ImageError)?.description ?? ""
            return message.contains("answered HTTP 503") && message.contains("tried \(RegistryTransport.attempts) times")
        }
        #expect(try store.list().isEmpty)
    }

    /// Item 7: a plain-HTTP registry answered over TLS gives one line that suggests --insecure, not an
    /// OpenSSL string.
    @Test func plainHTTPRegistryAnsweredOverTLSSuggestsInsecure() async throws {
        guard ready("tls to plain http") else { return }
        let (temp, _, _, registry) = try pushedSample()
        defer { registry.stop() }
        await #expect { try await ImageStore(root: temp.path("pulled")).pull("\(registry.address)/team/sample:1") } throws: { error in
            let message = (error as? ImageError)?.description ?? ""
            return message
                == "registry \(registry.address): \(registry.address) answered in plain http, not https; for a registry on this machine use --insecure"
        }
    }

    /// Item 7: with no flags, credentials come from podman's auth.json, then docker's config.json; entries kept
    /// by a credential helper (which securerun does not run) and unreadable files give notes.
    @Test func credentialsComeFromPodmanThenDockerAuthFiles() throws {
        let temp = TempDir()
        let podman = #"{"auths":{"registry.test:5000":{"auth":"\#(Data("pod:man".utf8).base64EncodedString())"}}}"#
        let docker =
            #"{"auths":{"https://registry.test:5000":{"auth":"\#(Data("dock:er".utf8).base64EncodedString())"},"other.test":{}},"credHelpers":{"helped.test":"pass"}}"#
        try temp.write("run/containers/auth.json", podman)
        try temp.write("home/.docker/config.json", docker)
        let both = ["XDG_RUNTIME_DIR": temp.path("run").path, "HOME": temp.path("home").path]
        #expect(RegistryCredentials.lookup(registry: "registry.test:5000", environment: both).credentials == .init(username: "pod", password: "man"))
        let dockerOnly = RegistryCredentials.lookup(registry: "registry.test:5000", environment: ["HOME": temp.path("home").path])
        #expect(dockerOnly.credentials == .init(username: "dock", password: "er"))
        #expect(dockerOnly.source == temp.path("home/.docker/config.json").path)
        let helped = RegistryCredentials.lookup(registry: "helped.test", environment: both)
        #expect(helped.credentials == nil)
        #expect(
            helped.notes == [
                "\(temp.path("home/.docker/config.json").path) keeps the credentials for helped.test in docker-credential-pass, which securerun does not run; pass --username/--password-stdin or --authfile"
            ])
        #expect(RegistryCredentials.lookup(registry: "nowhere.test", environment: both) == CredentialLookup())

        try temp.write("bad/containers/auth.json", #"{"auths":{},"auths":{"registry.test:5000":{"auth":"eDp5"}}}"#)
        let duplicate = RegistryCredentials.lookup(registry: "registry.test:5000", environment: ["XDG_RUNTIME_DIR": temp.path("bad").path])
        #expect(duplicate.credentials == nil)
        #expect(duplicate.notes.first?.contains(#"duplicate key "auths""#) == true, "\(duplicate.notes)")
        #expect(throws: ImageError.self) { try RegistryCredentials.fromAuthFile(temp.path("bad/containers/auth.json"), registry: "registry.test:5000") }
    }
}
