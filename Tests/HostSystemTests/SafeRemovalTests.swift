import Foundation
import TestSupport
import Testing

@testable import HostSystem

/// A scratch directory; left in place (and reported) if a test leaves something mounted in it.
private struct Scratch {
    let path: String
    init() throws {
        path = "/tmp/hs-removal-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func make(_ relative: String, contents: String? = nil) throws {
        let full = path + "/" + relative
        if let contents {
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try contents.write(toFile: full, atomically: false, encoding: .utf8)
        } else {
            try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        }
    }
    func exists(_ relative: String) -> Bool {
        var info = stat()
        return lstat(path + "/" + relative, &info) == 0
    }
}

private func requireRoot(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    if getuid() == 0 { return true }
    TestRun.skip("mount tests need root", sourceLocation: sourceLocation)
    return false
}

private func bind(_ source: String, _ target: String) throws {
    guard mount(source, target, nil, UInt(MS_BIND), nil) == 0 else { throw SystemError.last("mount --bind", path: target) }
}

@Suite("safe removal: never through a mount, never along a symlink")
struct SafeRemovalTests {
    @Test("a plain tree is removed; a symlink inside is removed as a link and its target kept")
    func plainTreeAndSymlinks() throws {
        let scratch = try Scratch()
        try scratch.make("outside/precious", contents: "keep")
        try scratch.make("tree/a/b/c/file", contents: "x")
        try scratch.make("tree/empty")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/tree/a/link", withDestinationPath: scratch.path + "/outside")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/tree/dangling", withDestinationPath: "/nonexistent")
        try SafeRemoval.remove(scratch.path + "/tree")
        #expect(!scratch.exists("tree"))
        #expect(try String(contentsOfFile: scratch.path + "/outside/precious", encoding: .utf8) == "keep")
        try SafeRemoval.remove(scratch.path)
        try SafeRemoval.remove(scratch.path)  // missing is fine
    }

    @Test("a path that is itself a symlink to a directory removes the link, not the directory")
    func topLevelSymlink() throws {
        let scratch = try Scratch()
        try scratch.make("real/file", contents: "keep")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/link", withDestinationPath: scratch.path + "/real")
        try SafeRemoval.remove(scratch.path + "/link")
        #expect(!scratch.exists("link"))
        #expect(scratch.exists("real/file"))
        try SafeRemoval.remove(scratch.path)
    }

    // The attack: cleanup's recursive removal descended into a still-mounted volume staging bind and
    // deleted the host files behind it. The bind here is of the same filesystem, so st_dev alone could
    // not tell; the mount id does. mountinfo is not consulted (nil), so statx alone must refuse.
    @Test(
        "a tree with a bind mount inside (directory or file, same filesystem) is kept whole and the host files survive",
        arguments: [true, false])
    func bindMountInside(directory: Bool) throws {
        guard requireRoot() else { return }
        let scratch = try Scratch()
        try scratch.make("host/data/a", contents: "precious-a")
        try scratch.make("host/file", contents: "precious-file")
        try scratch.make("tree/other/x", contents: "x")
        if directory {
            try scratch.make("tree/volumes/0")
            try bind(scratch.path + "/host/data", scratch.path + "/tree/volumes/0")
        } else {
            try scratch.make("tree/volumes/0", contents: "")
            try bind(scratch.path + "/host/file", scratch.path + "/tree/volumes/0")
        }
        defer { umount2(scratch.path + "/tree/volumes/0", Int32(MNT_DETACH)) }
        #expect(throws: RemovalError.mounted(path: scratch.path + "/tree", mountPoints: [scratch.path + "/tree/volumes/0"])) {
            try SafeRemoval.remove(scratch.path + "/tree", mountinfo: nil)
        }
        // Nothing was removed, not even the unmounted parts (never half-removed).
        #expect(scratch.exists("tree/other/x"))
        #expect(try String(contentsOfFile: scratch.path + (directory ? "/host/data/a" : "/host/file"), encoding: .utf8).hasPrefix("precious"))
        umount2(scratch.path + "/tree/volumes/0", Int32(MNT_DETACH))
        try SafeRemoval.remove(scratch.path + "/tree", mountinfo: nil)
        #expect(scratch.exists("host/data/a") && scratch.exists("host/file"))
        try SafeRemoval.remove(scratch.path)
    }

    @Test("a path that is itself a mount point is refused")
    func mountPointItself() throws {
        guard requireRoot() else { return }
        let scratch = try Scratch()
        try scratch.make("host/keep", contents: "k")
        try scratch.make("target")
        try bind(scratch.path + "/host", scratch.path + "/target")
        defer { umount2(scratch.path + "/target", Int32(MNT_DETACH)) }
        #expect(throws: RemovalError.mounted(path: scratch.path + "/target", mountPoints: [scratch.path + "/target"])) {
            try SafeRemoval.remove(scratch.path + "/target", mountinfo: nil)
        }
        #expect(scratch.exists("host/keep"))
        umount2(scratch.path + "/target", Int32(MNT_DETACH))
        try SafeRemoval.remove(scratch.path)
    }

    @Test("a tree deeper than the walk follows is kept whole")
    func tooDeep() throws {
        let scratch = try Scratch()
        let deep = (0...SafeRemoval.depthLimit).map { _ in "d" }.joined(separator: "/")
        // Made fd-relative: the path is longer than PATH_MAX.
        var fd = open(scratch.path, O_RDONLY | O_DIRECTORY)
        for component in deep.split(separator: "/") {
            mkdirat(fd, String(component), 0o700)
            let next = openat(fd, String(component), O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
        }
        close(fd)
        #expect(throws: RemovalError.tooDeep(path: scratch.path, limit: SafeRemoval.depthLimit)) {
            try SafeRemoval.remove(scratch.path)
        }
        #expect(scratch.exists("d/d/d"))
        _ = try? Process.run(URL(fileURLWithPath: "/bin/rm"), arguments: ["-rf", scratch.path]).waitUntilExit()
    }
}

@Suite("whole-file reads")
struct FileContentsTests {
    // The attack's root cause: one read(2) of /proc/self/mountinfo returns about a page, so mounts listed
    // later were invisible and cleanup thought nothing was mounted.
    @Test("mountinfo past 4 KiB and past 64 KiB is read to its last line")
    func readsToTheEnd() throws {
        guard requireRoot() else { return }
        let scratch = try Scratch()
        var made: [String] = []
        defer { for target in made.reversed() { umount2(target, Int32(MNT_DETACH)) } }
        // About 100 bytes per line: 800 tmpfs mounts take mountinfo past 64 KiB.
        for index in 0..<800 {
            let target = scratch.path + "/m\(index)"
            try scratch.make("m\(index)")
            guard mount("tmpfs", target, "tmpfs", 0, "size=4k") == 0 else { throw SystemError.last("mount", path: target) }
            made.append(target)
        }
        let bytes = try FileContents.read("/proc/self/mountinfo")
        #expect(bytes.count > 64 << 10)
        let points = try MountTable.mountPoints(under: scratch.path)
        #expect(points.count == 800)
        #expect(points.last == scratch.path + "/m799")
        for target in made.reversed() { umount2(target, Int32(MNT_DETACH)) }
        made.removeAll()
        try SafeRemoval.remove(scratch.path)
    }

    @Test("a file over the limit is refused, not truncated")
    func limit() throws {
        let scratch = try Scratch()
        try scratch.make("big", contents: String(repeating: "x", count: 100_000))
        #expect(throws: SystemError("read", path: scratch.path + "/big", errno: EFBIG)) {
            try FileContents.read(scratch.path + "/big", limit: 65_536)
        }
        #expect(try FileContents.read(scratch.path + "/big").count == 100_000)
        try SafeRemoval.remove(scratch.path)
    }
}
