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

        func unpack(_ layers: [[TarEntry]], keepSetuid: Bool = false, gzip: Bool = true) throws {
            try LayerUnpacker(keepSetuid: keepSetuid).unpack(layers: try self.layers(layers, gzip: gzip), into: destination)
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

    @Test func setuidAndSetgidBitsAreStrippedUnlessKept() throws {
        let work = try Workspace()
        try work.unpack([[.file("bin/su", "binary", mode: 0o6755)]])
        let mode = try FileManager.default.attributesOfItem(atPath: work.destination.path + "/bin/su")[.posixPermissions] as? Int
        #expect(mode == 0o755)

        let kept = try Workspace()
        try kept.unpack([[.file("bin/su", "binary", mode: 0o4755)]], keepSetuid: true)
        let keptMode = try FileManager.default.attributesOfItem(atPath: kept.destination.path + "/bin/su")[.posixPermissions] as? Int
        #expect(keptMode == 0o4755)
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
