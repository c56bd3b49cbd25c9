import Foundation
import Testing

@testable import Images

/// Each hostile layer must be refused or neutralized, leave no `.tmp-*` or half-made rootfs, and never touch
/// the canary file outside the rootfs.
@Suite struct LayerUnpackerTests {
    /// A workspace with `outside/canary` beside the rootfs parent, so escapes have a target to hit.
    struct Workspace {
        let temp = TempDir()
        var parent: URL { temp.path("rootfs") }
        var destination: URL { parent.appendingPathComponent("image") }
        var canary: URL { temp.path("outside/canary") }

        init() throws {
            try temp.write("outside/canary", "original\n")
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        }

        func layers(_ layers: [[TarEntry]], gzip: Bool = true) throws -> [(file: URL, name: String)] {
            try layers.enumerated().map { index, entries in
                let file = temp.path("layer\(index).tar")
                try writeTar(entries, to: file, gzip: gzip)
                return (file, "layer\(index)")
            }
        }

        func unpack(_ layers: [[TarEntry]], limits: UnpackLimits = .default, gzip: Bool = true) throws {
            try LayerUnpacker(limits: limits).unpack(layers: try self.layers(layers, gzip: gzip), into: destination)
        }

        /// The refusal, after checking nothing leaked or was left behind.
        func refusal(_ layers: [[TarEntry]]) throws -> ImageError? {
            var caught: ImageError?
            do { try unpack(layers) } catch let error as ImageError { caught = error }
            #expect(try String(contentsOf: canary, encoding: .utf8) == "original\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty, "no .tmp-* or half-made rootfs remains")
            #expect(!FileManager.default.fileExists(atPath: temp.path("outside/escaped").path))
            #expect(!FileManager.default.fileExists(atPath: "/tmp/canary-securerun-test"))
            return caught
        }
    }

    @Test func pathTraversalIsRefused() throws {
        let work = try Workspace()
        let error = try work.refusal([[.file("../../outside/canary", "pwned"), .file("../outside/escaped")]])
        #expect(error?.description.contains("'..' component") == true)
        #expect(error?.description.contains("layer0") == true)
    }

    @Test func absolutePathIsRefused() throws {
        let work = try Workspace()
        let error = try work.refusal([[.file("/tmp/canary-securerun-test", "pwned")]])
        #expect(error?.description.contains("absolute path") == true)
    }

    @Test func writingThroughASymlinkToRootIsRefused() throws {
        let work = try Workspace()
        let error = try work.refusal([[.symlink("x", to: "/"), .file("x/tmp/canary-securerun-test", "pwned")]])
        #expect(error?.description.contains("parent 'x' that is a symlink") == true)
    }

    @Test func aSymlinkClimbingOutOfTheRootfsIsRefused() throws {
        let work = try Workspace()
        let error = try work.refusal([[.symlink("etc", to: "../../outside")]])
        #expect(error?.description.contains("resolves outside the rootfs") == true)
    }

    @Test func hardLinksToFilesOutsideAreRefused() throws {
        let work = try Workspace()
        #expect(try work.refusal([[.hardlink("passwd", to: "/etc/passwd")]])?.description.contains("hard link to absolute path") == true)
        #expect(try work.refusal([[.hardlink("passwd", to: "../outside/canary")]])?.description.contains("'..'") == true)
        #expect(try work.refusal([[.hardlink("passwd", to: "etc/missing")]])?.description.contains("not in the rootfs") == true)
    }

    @Test func aSymlinkedParentFromALowerLayerCannotRedirectALaterLayer() throws {
        let work = try Workspace()
        let outside = work.temp.path("outside").path
        let error = try work.refusal([
            [.dir("usr"), .symlink("usr/lib", to: outside)],
            [.file("usr/lib/escaped", "pwned")],
        ])
        #expect(error?.description.contains("parent 'usr/lib' that is a symlink") == true)
        #expect(error?.description.contains("layer1") == true)
    }

    @Test(arguments: ["chr", "blk"])
    func deviceNodesAreRefused(kind: String) throws {
        let work = try Workspace()
        let error = try work.refusal([[TarEntry(name: "dev/sda", type: kind)]])
        #expect(error?.description.contains("device node") == true)
    }

    @Test func fifosAreFine() throws {
        let work = try Workspace()
        try work.unpack([[TarEntry(name: "run/pipe", type: "fifo", mode: 0o600)]])
        var info = stat()
        #expect(lstat(work.destination.path + "/run/pipe", &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFIFO)
    }

    /// A setuid-root binary in an image would be a root shell for any local user who can reach the store.
    @Test func aSetuidRootFileNeverReachesTheHostWithItsBits() throws {
        let work = try Workspace()
        try work.unpack([
            [
                .file("bin/su", "binary", mode: 0o6755), .file("bin/newgrp", "binary", mode: 0o2755),
                TarEntry(name: "var/mail", type: "dir", mode: 0o2775), TarEntry(name: "tmp", type: "dir", mode: 0o1777),
            ]
        ])
        func mode(_ path: String) throws -> Int? {
            try FileManager.default.attributesOfItem(atPath: work.destination.path + path)[.posixPermissions] as? Int
        }
        #expect(try mode("/bin/su") == 0o755)
        #expect(try mode("/bin/newgrp") == 0o755)
        #expect(try mode("/var/mail") == 0o775, "setgid directories lose the bit too")
        #expect(try mode("/tmp") == 0o1777, "the sticky bit is not a privilege and stays")
        var info = stat()
        #expect(lstat(work.destination.path + "/bin/su", &info) == 0 && info.st_uid == 0 && info.st_mode & S_ISUID == 0)
    }

    @Test func theUnpackedRootfsIsOnlyRenamedIntoPlaceWhenComplete() throws {
        let work = try Workspace()
        try work.unpack([[.dir("etc"), .file("etc/motd", "hello\n")]])
        var info = stat()
        #expect(lstat(work.destination.path, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o755, "the image's root is the container's /; it keeps a normal mode")
    }

    /// A 1 MiB layer that expands to 1.1 GB (a gzip bomb) must be refused while it streams.
    @Test func aGzipBombIsRefusedWhileItStreams() throws {
        let work = try Workspace()
        let bomb = work.temp.path("bomb.tar.gz")
        try writeGzipBomb(to: bomb, megabytes: 1100)
        #expect(try LayerUnpacker.fileSize(bomb) < 2 << 20)
        var caught: ImageError?
        do throws(ImageError) {
            try LayerUnpacker().unpack(layers: [(file: bomb, name: "sha256:bomb")], into: work.destination)
        } catch { caught = error }
        guard case .limitExceeded(let layer, let limit, _) = caught else {
            Issue.record("expected a limit refusal, got \(String(describing: caught))")
            return
        }
        #expect(layer == "layer sha256:bomb" && limit == .expansion)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.parent.path).isEmpty, "no .tmp-* or half-made rootfs remains")
    }

    /// Empty files compress to almost nothing and exhaust inodes instead of bytes: the entry limit stops them.
    @Test func aFileCountBombIsRefusedAtTheEntryLimit() throws {
        let work = try Workspace()
        let limits = UnpackLimits(maxImageBytes: 1 << 30, maxEntries: 100, maxExpansionRatio: 100, expansionAllowance: 128 << 20)
        let entries = (0..<150).map { TarEntry.file("many/f\($0)", "") }
        var caught: ImageError?
        do { try work.unpack([entries], limits: limits) } catch let error as ImageError { caught = error }
        guard case .limitExceeded(_, .entries, let detail) = caught else {
            Issue.record("expected the entry limit, got \(String(describing: caught))")
            return
        }
        #expect(detail.contains("more than 100 entries"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.parent.path).isEmpty)
        #expect(caught?.description.contains("store.maxFiles") == true)
    }

    @Test func smallHighlyCompressibleLayersStayUnderTheAllowance() throws {
        let work = try Workspace()
        let layer = work.temp.path("zeros.tar.gz")
        try writeGzipBomb(to: layer, megabytes: 8)
        try LayerUnpacker().unpack(layers: [(file: layer, name: "zeros")], into: work.destination)
        let size = try FileManager.default.attributesOfItem(atPath: work.destination.path + "/zeros")[.size] as? Int
        #expect(size == 8 << 20, "an 8 MiB file of zeros is a thousand times its compressed size and still fine")
    }

    @Test func whiteoutsOutsideTheRootfsAreRefused() throws {
        let work = try Workspace()
        let error = try work.refusal([[.file("a")], [.file("../.wh.outside")]])
        #expect(error?.description.contains("'..'") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.temp.path("outside").path) == ["canary"])
    }

    @Test func whiteoutsRemoveLowerLayerFilesAndOpaqueDirectoriesEmpty() throws {
        let work = try Workspace()
        try work.unpack([
            [.file("etc/keep"), .file("etc/gone"), .file("var/old/a"), .file("var/old/b")],
            [.file("etc/.wh.gone"), .file("var/old/new"), .file("var/old/.wh..wh..opq")],
        ])
        let root = work.destination.path
        #expect(FileManager.default.fileExists(atPath: root + "/etc/keep"))
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/gone"))
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/.wh.gone"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/var/old") == ["new"])
    }

    @Test func zstdCompressedLayersUnpack() throws {
        guard toolAvailable("/usr/bin/zstd", for: "zstd layers") else { return }
        let work = try Workspace()
        let tar = work.temp.path("plain.tar")
        try writeTar([.dir("etc"), .file("etc/motd", "zstd works\n")], to: tar, gzip: false)
        let compressed = work.temp.path("layer.tar.zst")
        let result = try run("/usr/bin/zstd", ["-q", "-o", compressed.path, tar.path])
        #expect(result.status == 0, "\(result.output)")
        try LayerUnpacker().unpack(layers: [(file: compressed, name: "zstd-layer")], into: work.destination)
        #expect(try String(contentsOfFile: work.destination.path + "/etc/motd", encoding: .utf8) == "zstd works\n")
        #expect(try LayerPacker.diffID(of: compressed) == LayerPacker.diffID(of: tar), "diff_id is the digest of the decompressed tar")
    }

    @Test func uncompressedLayersAndModesAndSymlinksInsideAreKept() throws {
        let work = try Workspace()
        try work.unpack(
            [
                [
                    .dir("bin"), .file("bin/busybox", "bb", mode: 0o755), .symlink("bin/sh", to: "busybox"), .symlink("sbin", to: "bin"),
                    .hardlink("bin/ash", to: "bin/busybox"),
                ]
            ], gzip: false)
        let root = work.destination.path
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/bin/sh") == "busybox")
        #expect(try String(contentsOfFile: root + "/bin/ash", encoding: .utf8) == "bb")
        #expect(try FileManager.default.attributesOfItem(atPath: root + "/bin/busybox")[.posixPermissions] as? Int == 0o755)
    }

    @Test func aFailedUnpackLeavesAnExistingRootfsAlone() throws {
        let work = try Workspace()
        try work.unpack([[.file("good")]])
        #expect(throws: ImageError.self) { try work.unpack([[.file("../bad")]]) }
        #expect(FileManager.default.fileExists(atPath: work.destination.path + "/good"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.parent.path) == ["image"])
    }
}
