import Foundation
import Testing

@testable import Images

/// The store is root-only: made that way by every write, and tightened when an older securerun made it.
@Suite struct StorePermissionTests {
    /// A local user who could read blobs or walk into rootfs/ could edit an admitted image's files.
    @Test func everythingAnImportCreatesIsRootOnlyFromTheStart() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        let entries = storeEntries(store.root)
        #expect(entries.contains { $0.path.hasPrefix("blobs/sha256/") }, "the walk saw the blobs")
        for entry in entries {
            if entry.path == "rootfs/" + (image.digest?.hex ?? "") {
                #expect(entry.mode == 0o755, "the image's root is the container's /")
            } else {
                #expect(entry.mode == (entry.isDirectory ? 0o700 : 0o600), "\(entry.path) is \(String(entry.mode, radix: 8))")
            }
        }
        var info = stat()
        #expect(lstat(store.root.path, &info) == 0 && info.st_mode & 0o7777 == 0o700)
        let inside = try FileManager.default.attributesOfItem(atPath: image.rootfs.path + "/bin/sh")[.posixPermissions] as? Int
        #expect(inside == 0o755, "files inside the rootfs keep the image's modes")
    }

    /// A store made by the previous version had 0755 directories and world-readable blobs.
    @Test func secureTightensAStoreMadeByAnOlderVersionButNotTheImagesOwnFiles() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        for entry in storeEntries(store.root) {
            chmod(store.root.appendingPathComponent(entry.path).path, entry.isDirectory ? 0o755 : 0o644)
        }
        chmod(store.root.path, 0o755)
        try FileManager.default.createDirectory(at: store.root.appendingPathComponent("attestations/sha256-x"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: store.root.appendingPathComponent("attestations/sha256-x/a.json"))
        chmod(store.root.appendingPathComponent("attestations/sha256-x/a.json").path, 0o644)
        chmod(image.rootfs.path + "/etc/hostname", 0o644)

        try store.secure()
        for entry in storeEntries(store.root) where entry.path != "rootfs/" + (image.digest?.hex ?? "") {
            #expect(entry.mode == (entry.isDirectory ? 0o700 : 0o600), "\(entry.path) is \(String(entry.mode, radix: 8))")
        }
        var info = stat()
        #expect(lstat(store.root.path, &info) == 0 && info.st_mode & 0o7777 == 0o700)
        #expect(lstat(image.rootfs.path, &info) == 0 && info.st_mode & 0o7777 == 0o755)
        #expect(lstat(image.rootfs.path + "/etc/hostname", &info) == 0 && info.st_mode & 0o7777 == 0o644)
    }

    /// Another user who can rename a directory above the state root can swap in a store of their own.
    @Test func aStateRootBelowADirectoryOthersCanWriteIsRefused() throws {
        let temp = TempDir()
        let open = temp.path("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: true)
        chmod(open.path, 0o777)
        let store = ImageStore(root: open.appendingPathComponent("store"))
        #expect {
            try store.secure()
        } throws: { error in
            guard case .unsafeStateRoot(_, let reason) = error as? ImageError else { return false }
            return reason.contains(open.path) && reason.contains("writable by other users")
        }
        chmod(open.path, 0o1777)
        try store.secure()  // sticky, like /tmp: fine
    }

    @Test func aStateRootOwnedByAnotherUserIsRefused() throws {
        guard geteuid() == 0 else { return }
        let temp = TempDir()
        let root = temp.path("store")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        chown(root.path, 1000, 1000)
        #expect {
            try ImageStore(root: root).secure()
        } throws: { error in
            guard case .unsafeStateRoot(_, let reason) = error as? ImageError else { return false }
            return reason.contains("owned by uid 1000")
        }
    }
}

/// Unpack limits hold for every way an image comes in, and a refused image leaves nothing behind.
@Suite struct StoreLimitTests {
    @Test func aGzipBombInAnOCILayoutIsRefusedAndNothingIsStored() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        try temp.write("other/file", "kept\n")
        let kept = try store.importRootfs(directory: temp.path("other"), tag: "kept")
        try writeGzipBomb(to: temp.path("bomb.tar.gz"), megabytes: 1100)
        _ = try makeLayout(layer: temp.path("bomb.tar.gz"), at: temp.path("layout"))

        #expect {
            try store.importImage(at: temp.path("layout"), tag: "bomb")
        } throws: { error in
            guard case .limitExceeded(let layer, .expansion, _) = error as? ImageError else { return false }
            return layer.hasPrefix("layer sha256:") && (error as? ImageError)?.description.contains("nothing was stored") == true
        }
        #expect(try store.list() == [kept])
        #expect(leftovers(store.root).isEmpty, "\(leftovers(store.root))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.path + "/blobs/sha256").count == 3, "only the kept image's blobs")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.path + "/rootfs") == [kept.digest?.hex ?? ""])
    }

    @Test func theSameBombInsideAnOCIArchiveIsRefusedToo() throws {
        let temp = TempDir()
        try writeGzipBomb(to: temp.path("bomb.tar.gz"), megabytes: 1100)
        _ = try makeLayout(layer: temp.path("bomb.tar.gz"), at: temp.path("layout"))
        let archive = temp.path("bomb-oci.tar")
        #expect(try run("/usr/bin/tar", ["-C", temp.path("layout").path, "-cf", archive.path, "."]).status == 0)
        let store = ImageStore(root: temp.path("store"))
        #expect {
            try store.importImage(at: archive, tag: "bomb")
        } throws: { error in
            guard case .limitExceeded(_, .expansion, _) = error as? ImageError else { return false }
            return true
        }
        #expect(leftovers(store.root).isEmpty)
        #expect(try store.list().isEmpty)
    }

    @Test func aCompressedArchiveThatExpandsPastTheLimitIsRefusedWhileItIsRead() throws {
        let temp = TempDir()
        // The archive itself is the bomb: its one member is 1.1 GB of zeros.
        try writeGzipBomb(to: temp.path("image.tar.gz"), megabytes: 1100)
        let store = ImageStore(root: temp.path("store"))
        #expect {
            try store.importImage(at: temp.path("image.tar.gz"), tag: "bomb")
        } throws: { error in
            guard case .limitExceeded(let what, .expansion, _) = error as? ImageError else { return false }
            return what.hasPrefix("archive ")
        }
        #expect(leftovers(store.root).isEmpty)
    }

    @Test func limitsComeFromTheStoreAndAFileCountBombIsRefused() throws {
        let temp = TempDir()
        for index in 0..<300 { try temp.write("many/f\(index)", "") }
        var store = ImageStore(root: temp.path("store"))
        store.limits.maxEntries = 200
        #expect {
            try store.importRootfs(directory: temp.path("many"), tag: "many")
        } throws: { error in
            guard case .limitExceeded(_, .entries, _) = error as? ImageError else { return false }
            return true
        }
        #expect(leftovers(store.root).isEmpty)
        store.limits.maxEntries = 400
        #expect(try store.importRootfs(directory: temp.path("many"), tag: "many").names == ["many:latest"])
    }

    @Test func anImageWhoseBlobsDeclareMoreThanTheLimitIsRefusedBeforeCopying() throws {
        let temp = TempDir()
        try writeGzipBomb(to: temp.path("layer.tar.gz"), megabytes: 1)
        _ = try makeLayout(layer: temp.path("layer.tar.gz"), at: temp.path("layout"))
        var store = ImageStore(root: temp.path("store"))
        store.limits.maxImageBytes = 1024
        #expect {
            try store.importImage(at: temp.path("layout"), tag: "big")
        } throws: { error in
            guard case .limitExceeded(_, .imageBytes, let detail) = error as? ImageError else { return false }
            return detail.contains("its blobs declare")
        }
    }
}

/// `image check`: every difference from the record is named.
@Suite struct StoreCheckTests {
    @Test func anUntouchedImageChecksClean() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        _ = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        let results = try store.check([])
        #expect(results.count == 1)
        #expect(results.first?.ok == true, "\(results)")
        #expect(results.first?.blobs == 3)
        #expect((results.first?.paths ?? 0) >= 9)
    }

    /// What a local user with access to an unprotected store would do to an admitted image.
    @Test func editsChmodsChownsAndAddedFilesInTheRootfsAreEachReported() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        let rootfs = image.rootfs.path
        try Data("tampered\n".utf8).write(to: URL(fileURLWithPath: rootfs + "/usr/share/doc/readme"))
        chmod(rootfs + "/bin/sh", 0o4755)
        chown(rootfs + "/etc/hostname", 1000, 1000)
        try Data("new\n".utf8).write(to: URL(fileURLWithPath: rootfs + "/etc/added"))
        try FileManager.default.removeItem(atPath: rootfs + "/bin/ash")
        try FileManager.default.createSymbolicLink(atPath: rootfs + "/bin/ash", withDestinationPath: "/tmp/evil")
        try Data([0xFF]).write(to: URL(fileURLWithPath: rootfs + "/etc/name-\u{1}"))

        let differences = try #require(try store.check(["sample"]).first).differences
        #expect(differences.contains("rootfs /usr/share/doc/readme: content changed (6 bytes, now 9)"), "\(differences)")
        #expect(differences.contains("rootfs /bin/sh: mode changed from 0755 to 4755 (setuid)"))
        if geteuid() == 0 {
            #expect(differences.contains { $0.hasPrefix("rootfs /etc/hostname: owner changed from 0:0 to 1000:1000") })
        }
        #expect(differences.contains("rootfs /etc/added: added (file 0644 \(geteuid()):\(getegid()), 4 bytes)"))
        #expect(differences.contains("rootfs /bin/ash: symlink target changed from /bin/sh to /tmp/evil"))
        #expect(differences.contains { $0.hasPrefix("rootfs /etc/name-%01: added") }, "odd names are escaped")
    }

    @Test func aChangedBlobAndARemovedFileAreReported() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        let layer = try store.manifest(image).layers[0].digest
        let file = store.blobURL(layer)
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: file)
        try FileManager.default.removeItem(atPath: image.rootfs.path + "/etc/hostname.link")

        let differences = try #require(try store.check([]).first).differences
        #expect(differences.contains { $0.hasPrefix("layer 1/1 blob \(layer) does not match its digest") }, "\(differences)")
        #expect(differences.contains { $0.hasPrefix("rootfs /etc/hostname.link: removed (was file 0644") })
    }

    @Test func anAlteredUnpackRecordIsReported() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        let record = store.unpackRecordURL(try #require(image.digest))
        var text = try String(contentsOf: record, encoding: .utf8)
        text = text.replacingOccurrences(of: "\t0755\t", with: "\t4755\t")
        try text.write(to: record, atomically: false, encoding: .utf8)
        let differences = try #require(try store.check([]).first).differences
        #expect(differences.contains { $0.contains("does not match the digest in the image record") }, "\(differences)")
    }

    /// An image unpacked by an older securerun has no record, maybe setuid bits: compared with a fresh unpack.
    @Test func aRootfsWithoutARecordIsComparedWithAFreshUnpackAndSetuidBitsShow() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        let image = try store.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        let digest = try #require(image.digest)
        try FileManager.default.removeItem(at: store.unpackRecordURL(digest))
        let recordFile = store.recordURL(digest)
        var record = try JSONDecoder().decode(ImageRecord.self, from: Data(contentsOf: recordFile))
        record.unpackRecord = nil
        try JSONEncoder().encode(record).write(to: recordFile)
        chmod(image.rootfs.path + "/bin/sh", 0o4755)

        let result = try #require(try store.check([]).first)
        #expect(result.differences == ["rootfs /bin/sh: mode changed from 0755 to 4755 (setuid)"])
        #expect(result.notes.first?.contains("no unpack record") == true)
        #expect(leftovers(store.root).isEmpty, "the fresh unpack is removed")

        // Importing again unpacks it afresh (no setuid bit) and records it.
        _ = try store.importRootfs(directory: temp.path("rootfs"), tag: "sample")
        var info = stat()
        #expect(lstat(image.rootfs.path + "/bin/sh", &info) == 0 && info.st_mode & 0o7777 == 0o755)
        #expect(try store.check([]).first?.ok == true)
        #expect(try store.check([]).first?.notes.isEmpty == true)
    }

    @Test func anUnknownImageIsAnErrorNotADifference() throws {
        let temp = TempDir()
        let store = ImageStore(root: temp.path("store"))
        #expect(throws: ImageError.notFound(reference: "nope:1", root: store.root.path)) { try store.check(["nope:1"]) }
    }
}
