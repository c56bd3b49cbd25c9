import Foundation
import Testing

@testable import Images

/// What interrupted operations leave is swept, what live ones are doing is not, and one broken record
/// never hides the other images.
@Suite struct StoreSweepTests {
    /// The leftovers of an import killed mid-unpack: its work area (lock not held), a half rootfs.
    func plantDeadImport(in store: ImageStore, id: String) throws {
        let tmp = store.root.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp.appendingPathComponent("\(id)/blobs"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: tmp.appendingPathComponent("\(id).lock").path, contents: nil)
        _ = FileManager.default.createFile(atPath: tmp.appendingPathComponent("\(id)/blobs/partial").path, contents: Data(count: 4096))
        let half = store.root.appendingPathComponent("rootfs/.tmp-\(id)-unpack/usr/lib")
        try FileManager.default.createDirectory(at: half, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: half.appendingPathComponent("libc.so").path, contents: Data(count: 4096))
        _ = FileManager.default.createFile(atPath: store.root.appendingPathComponent("images/tags/.tmp-\(id)-tag").path, contents: nil)
    }

    @Test func aKilledImportsWorkAreaAndHalfRootfsAreSweptAndOldStyleLeftoversToo() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        try plantDeadImport(in: store, id: "import-deadbeef0001")
        // What securerun before work-area locks left: tmp/import-<random>/ and rootfs/.tmp-<random>.
        try FileManager.default.createDirectory(at: store.root.appendingPathComponent("tmp/import-0ldversi0n00"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: store.root.appendingPathComponent("rootfs/.tmp-abcdefghijkl/bin"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: store.root.appendingPathComponent("rootfs/.tmp-rm-abcdefghijkl"), withIntermediateDirectories: true)

        let removed = store.sweep()
        #expect(
            Set(removed)
                == [
                    "rootfs/.tmp-import-deadbeef0001-unpack", "images/tags/.tmp-import-deadbeef0001-tag", "tmp/import-deadbeef0001",
                    "tmp/import-0ldversi0n00", "rootfs/.tmp-abcdefghijkl", "rootfs/.tmp-rm-abcdefghijkl",
                ], "\(removed)")
        #expect(leftovers(store.root).isEmpty, "\(leftovers(store.root))")
        #expect(try store.check([]).first?.ok == true, "the stored image is untouched")
        #expect(try store.resolve("sample") == image)
        #expect(store.sweep().isEmpty, "nothing left to sweep")
    }

    /// A sweep in one command must never delete the half-made rootfs of an import running in another.
    @Test func aLiveOperationsWorkAreaIsNeverSwept() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        try FileManager.default.createDirectory(at: store.root, withIntermediateDirectories: true)
        let live = try WorkArea(root: store.root, kind: "import")
        try FileManager.default.createDirectory(at: store.root.appendingPathComponent("rootfs"), withIntermediateDirectories: true)
        let unpacking = live.temporary(in: store.root.appendingPathComponent("rootfs"), "unpack")
        try FileManager.default.createDirectory(at: unpacking, withIntermediateDirectories: true)

        #expect(store.sweep().isEmpty)
        #expect(FileManager.default.fileExists(atPath: unpacking.path))
        #expect(FileManager.default.fileExists(atPath: live.directory.path))

        live.close()
        #expect(leftovers(store.root).isEmpty, "closing removes the work area, its lock and its temporaries")
    }

    @Test func orphanedBlobsAndRootfsTreesAreCollectedButABrokenRecordKeepsItsLayers() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        try temp.write("other/file", "other\n")
        let other = try store.importRootfs(directory: temp.path("other"), tag: "other")
        // An image whose record was lost (killed between blob and record writes in an older version).
        let orphanDigest = try #require(other.digest)
        try FileManager.default.removeItem(at: store.recordURL(orphanDigest))
        // A record that is now truncated: its blobs must survive the sweep.
        let digest = try #require(image.digest)
        let data = try Data(contentsOf: store.recordURL(digest))
        try data.prefix(data.count / 2).write(to: store.recordURL(digest))

        let removed = store.sweep()
        #expect(removed.contains("rootfs/\(orphanDigest.hex)"), "\(removed)")
        #expect(removed.contains("images/unpacked/\(orphanDigest.hex).record"))
        #expect(removed.contains("images/tags/docker.io%2Flibrary%2Fother%3Alatest"))
        #expect(!FileManager.default.fileExists(atPath: other.rootfs.path))
        #expect(FileManager.default.fileExists(atPath: image.rootfs.path))
        for blob in [digest] + (try store.manifest(image).layers.map(\.digest)) {
            #expect(FileManager.default.fileExists(atPath: store.blobURL(blob).path), "a broken record's blobs are kept")
        }
        #expect(leftovers(store.root).isEmpty)
    }

    @Test func aTruncatedRecordIsListedAsBrokenAndTheOthersStillAre() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        try temp.write("other/file", "other\n")
        let other = try store.importRootfs(directory: temp.path("other"), tag: "other")
        try temp.write("third/file", "third\n")
        let third = try store.importRootfs(directory: temp.path("third"), tag: "third")
        let digest = try #require(image.digest)
        let data = try Data(contentsOf: store.recordURL(digest))
        try data.prefix(10).write(to: store.recordURL(digest))
        try FileManager.default.removeItem(at: store.blobURL(try store.manifest(third).layers[0].digest))

        let catalog = try store.catalog()
        #expect(catalog.images == [other])
        #expect(catalog.broken.map(\.manifestDigest).sorted() == [image.manifestDigest, third.manifestDigest].sorted())
        let truncated = try #require(catalog.broken.first { $0.manifestDigest == image.manifestDigest })
        #expect(truncated.names == ["sample:latest"])
        #expect(truncated.reason.contains("cannot parse ImageRecord"), "\(truncated.reason)")
        #expect(catalog.broken.first { $0.manifestDigest == third.manifestDigest }?.reason.contains("is missing from the store") == true)

        // A broken image can still be removed, and the rest of the store with it is fine.
        try store.remove("sample")
        #expect(try store.catalog().broken.map(\.manifestDigest) == [third.manifestDigest])
    }
}

/// Imports of one image and removals of others at the same time leave a consistent store.
@Suite struct StoreConcurrencyTests {
    @Test func parallelImportsOfOneImageWithRemovalsOfOthersLeaveAConsistentStore() async throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let rootfs = try makeSampleRootfs(in: temp)
        var others: [String] = []
        for index in 0..<4 {
            try temp.write("other\(index)/file", "other \(index)\n")
            others.append(try store.importRootfs(directory: temp.path("other\(index)"), tag: "other\(index)").manifestDigest)
        }
        let results = await withTaskGroup(of: String?.self) { group in
            for index in 0..<12 {
                group.addTask {
                    do {
                        _ = try store.importRootfs(directory: rootfs, tag: "same:\(index)")
                        return nil
                    } catch { return "import \(index): \(error)" }
                }
            }
            for index in 0..<4 {
                group.addTask {
                    do {
                        try store.remove("other\(index)")
                        return nil
                    } catch { return "rm \(index): \(error)" }
                }
            }
            var failures: [String] = []
            for await result in group { if let result { failures.append(result) } }
            return failures
        }
        #expect(results.isEmpty, "\(results)")
        let images = try store.list()
        #expect(images.count == 1)
        #expect(images.first?.names.count == 12)
        #expect(try store.check([]).allSatisfy(\.ok))
        #expect(leftovers(store.root).isEmpty, "\(leftovers(store.root))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.path + "/blobs/sha256").count == 3, "the removed images' blobs are gone")
    }
}
