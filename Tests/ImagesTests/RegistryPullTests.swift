import Foundation
import Testing

@testable import Images

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
}
