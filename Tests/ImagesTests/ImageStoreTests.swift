import ContentDigest
import Foundation
import Testing

@testable import Images

@Suite struct ImageStoreTests {
    @Test func importRootfsStoresAOneLayerOCIImageAndResolvesIt() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample:1")

        #expect(image.names == ["sample:1"])
        #expect(image.manifestDigest.hasPrefix("sha256:"))
        #expect(image.config.Cmd == ["/bin/sh"])
        #expect(image.config.architecture == "amd64")
        #expect(image.config.os == "linux")
        #expect(try store.resolve("sample:1") == image)
        #expect(try store.resolve("docker.io/library/sample:1") == image)
        #expect(try store.resolve(image.manifestDigest) == image)
        #expect(try store.resolve(String(image.manifestDigest.dropFirst(7).prefix(12))) == image)
        #expect(try store.resolve("sample@\(image.manifestDigest)") == image)

        let manifest = try store.manifest(image)
        #expect(manifest.mediaType == MediaType.ociManifest)
        #expect(manifest.layers.map(\.mediaType) == [MediaType.ociLayerGzip])
        let rootfs = image.rootfs.path
        #expect(FileManager.default.fileExists(atPath: rootfs + "/usr/share/doc/readme"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: rootfs + "/bin/ash") == "/bin/sh")
        let inode = { (path: String) in try (FileManager.default.attributesOfItem(atPath: rootfs + path)[.systemFileNumber] as? Int) }
        #expect(try inode("/etc/hostname") == inode("/etc/hostname.link"))
        let mode = try FileManager.default.attributesOfItem(atPath: rootfs + "/bin/sh")[.posixPermissions] as? Int
        #expect(mode == 0o755)
    }

    @Test func importingTheSameTreeTwiceGivesTheSameDigests() throws {
        let temp = TempDir()
        let rootfs = try makeSampleRootfs(in: temp)
        let first = try ImageStore(root: temp.path("a")).importRootfs(directory: rootfs, tag: "x")
        let second = try ImageStore(root: temp.path("b")).importRootfs(directory: rootfs, tag: "y:2")
        #expect(first.manifestDigest == second.manifestDigest)
        #expect(first.configDigest == second.configDigest)
    }

    @Test func aTreeWithoutAShellHasNoDefaultCmd() throws {
        let temp = TempDir()
        try temp.write("bare/hello", "hi\n")
        let image = try ImageStore(root: temp.path("store")).importRootfs(directory: temp.path("bare"), tag: "bare")
        #expect(image.config.Cmd == nil)
    }

    @Test func unknownReferencesAreNotFoundWithAHint() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        #expect(throws: ImageError.notFound(reference: "nope:1", root: store.root.path)) { try store.resolve("nope:1") }
        let message = ImageError.notFound(reference: "nope:1", root: "/r").description
        #expect(message.contains("nope:1") && message.contains("image ls"))
    }

    @Test func listAndRemoveKeepOtherImages() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let sample = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        try temp.write("other/file", "other\n")
        let other = try store.importRootfs(directory: temp.path("other"), tag: "other")
        #expect(try store.list().map(\.names) == [["other:latest"], ["sample:latest"]])

        try store.remove("sample")
        #expect(try store.list() == [other])
        #expect(!FileManager.default.fileExists(atPath: sample.rootfs.path))
        #expect(!FileManager.default.fileExists(atPath: store.blobURL(try Digest(parsing: sample.manifestDigest)).path))
        #expect(throws: ImageError.self) { try store.resolve("sample") }
        #expect(FileManager.default.fileExists(atPath: other.rootfs.path + "/file"))
    }

    @Test func removingOneOfTwoNamesOnlyUntags() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let rootfs = try makeSampleRootfs(in: temp)
        _ = try store.importRootfs(directory: rootfs, tag: "one")
        let image = try store.importRootfs(directory: rootfs, tag: "two")
        #expect(image.names == ["one:latest", "two:latest"])
        try store.remove("one")
        #expect(try store.resolve("two").names == ["two:latest"])
        #expect(FileManager.default.fileExists(atPath: image.rootfs.path))
    }

    @Test func removeIsRefusedWhileAContainerUsesTheImage() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "busy")
        try temp.write("store/containers/c0ffee/image", image.manifestDigest + "\n")

        #expect(throws: ImageError.inUse(reference: "busy", digest: image.manifestDigest, containers: ["c0ffee"])) {
            try store.remove("busy")
        }
        #expect(try store.resolve("busy") == image)
        #expect(ImageError.inUse(reference: "busy", digest: image.manifestDigest, containers: ["c0ffee"]).description.contains("c0ffee"))
        try FileManager.default.removeItem(at: temp.path("store/containers/c0ffee"))
        try store.remove("busy")
    }
}

@Suite struct TamperedImportTests {
    @Test func aLayerWhoseDigestDoesNotMatchItsDescriptorIsRefusedAndNothingIsStored() throws {
        let temp = TempDir()
        let source = ImageStore(root: temp.path("source"))
        let image = try source.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        try exportLayout(image, from: source, to: temp.path("layout"))
        let layer = try source.manifest(image).layers[0].digest
        let file = temp.path("layout/blobs/sha256/\(layer.hex)")
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count - 20] ^= 0xFF
        try bytes.write(to: file)

        let store = ImageStore(root: temp.path("store"))
        try temp.write("other/file", "kept\n")
        let kept = try store.importRootfs(directory: temp.path("other"), tag: "kept")
        #expect {
            try store.importImage(at: temp.path("layout"), tag: "tampered")
        } throws: { error in
            guard case .digestMismatch(let what, let expected, _) = error as? ImageError else { return false }
            return what.contains(layer.description) && expected == layer.description
        }
        #expect(try store.list() == [kept])
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.path + "/rootfs") == [String(kept.manifestDigest.dropFirst(7))])
        let blobs = try FileManager.default.contentsOfDirectory(atPath: store.root.path + "/blobs/sha256")
        #expect(!blobs.contains(layer.hex) && !blobs.contains { $0.hasPrefix(".tmp") })
    }
}
