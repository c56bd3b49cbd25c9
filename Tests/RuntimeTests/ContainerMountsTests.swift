import Foundation
import HostSystem
import TestSupport
import Testing

@testable import Policy
@testable import Runtime

/// A scratch directory removed at the end of a test, with its mounts released first.
private final class Scratch {
    let url: URL
    init() throws {
        url = URL(fileURLWithPath: "/tmp/rt-mounts-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit {
        // Never remove through a mount, even when a test fails halfway.
        if (try? ContainerMounts.release(url))?.isEmpty == true { try? SafeRemoval.remove(url.path) }
    }
    func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }
}

/// Root is needed to mount; without it the test cannot run (`TestRun.skip`: a failure under CI).
private func rootAvailable(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    if getuid() == 0 { return true }
    TestRun.skip("mount tests need root", sourceLocation: sourceLocation)
    return false
}

@Suite("Volume pinning: the inode the policy judged is the one mounted")
struct PinnedPathTests {
    @Test("a directory and a file open as themselves, and the kernel's name for them is the checked path")
    func opens() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path("data/sub"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: scratch.path("data/file"), contents: Data("x".utf8))
        let directory = try PinnedPath.open(scratch.path("data/sub"), volume: "v")
        #expect(directory.isDirectory)
        #expect(try directory.currentPath(volume: "v") == scratch.path("data/sub"))
        let file = try PinnedPath.open(scratch.path("data/file"), volume: "v")
        #expect(!file.isDirectory)
    }

    // Attack (F2): between the policy's check and the mount, a user who owns a directory on the
    // path swaps it for a symlink to /, and the container gets the host's root.
    @Test("a directory swapped for a symlink to / after the check is refused, naming the volume")
    func swappedForSymlink() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path("x/inner"), withIntermediateDirectories: true)
        let checked = scratch.path("x")
        // What the policy saw, then the swap: mv -T x xr; ln -s / x.
        try FileManager.default.moveItem(atPath: checked, toPath: scratch.path("xr"))
        try FileManager.default.createSymbolicLink(atPath: checked, withDestinationPath: "/")
        #expect(throws: RuntimeError.volumeChanged(volume: "\(checked):/data", reason: "\(checked) is now a symbolic link")) {
            try PinnedPath.open(checked, volume: "\(checked):/data")
        }
        // A symlink earlier on the path is refused the same way.
        #expect(throws: RuntimeError.volumeChanged(volume: "v", reason: "\(checked) is now a symbolic link")) {
            try PinnedPath.open(checked + "/inner", volume: "v")
        }
    }

    @Test("a path that vanished or is not absolute is refused with the reason")
    func missing() throws {
        let scratch = try Scratch()
        #expect(throws: RuntimeError.volumeChanged(volume: "v", reason: "cannot open \(scratch.path("gone")): No such file or directory")) {
            try PinnedPath.open(scratch.path("gone"), volume: "v")
        }
        #expect(throws: RuntimeError.volumeChanged(volume: "v", reason: "data is not an absolute path")) {
            try PinnedPath.open("data", volume: "v")
        }
        let description = RuntimeError.volumeChanged(volume: "/srv:/data", reason: "/srv is now a symbolic link").description
        #expect(description == "refusing volume /srv:/data: its host path changed after the policy check (/srv is now a symbolic link)")
    }
}

@Suite("Container mounts: mountinfo, staging, the container's own root, and release")
struct ContainerMountsTests {
    @Test("mountinfo mount points are read with the kernel's octal escapes decoded")
    func mountinfo() {
        let text = """
            27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
            44 27 0:39 / /tmp/a\\040b/rootfs rw,relatime - overlay overlay rw
            45 27 0:40 / /tmp/a\\134c rw - tmpfs tmpfs rw
            """
        #expect(MountTable.parse(text).map(\.mountPoint) == ["/", "/tmp/a b/rootfs", "/tmp/a\\c"])
        #expect(MountTable.parse(text).map(\.id) == [27, 44, 45])
        #expect(MountTable.unescape("/x\\011y\\") == "/x\ty\\")
    }

    // A recursive removal through a bind mount deletes the host's files behind it.
    @Test("a directory with a mount that will not go away is kept, not removed, and the error names the mount")
    func refusesToRemoveMounted() throws {
        let scratch = try Scratch()
        let directory = scratch.url.appendingPathComponent("containers/c1")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("volumes/0"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("volumes/0/host-file").path, contents: Data("keep".utf8))
        // A mount table that still lists the staging path after the unmount attempt.
        let mountinfo = scratch.url.appendingPathComponent("mountinfo")
        try "27 1 254:0 / / rw - ext4 /dev/vda rw\n50 27 254:0 /srv \(directory.path)/volumes/0 rw - ext4 /dev/vda rw\n"
            .write(to: mountinfo, atomically: true, encoding: .utf8)
        #expect(throws: RuntimeError.mountsRemain(directory: directory.path, mountPoints: [directory.path + "/volumes/0"])) {
            try ContainerMounts.releaseAndRemove(directory, mountinfo: mountinfo.path)
        }
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("volumes/0/host-file").path))
    }

    @Test("a state path overlay options cannot carry is refused before anything is mounted")
    func overlayOptionPaths() throws {
        let scratch = try Scratch()
        let mounts = ContainerMounts(directory: scratch.url.appendingPathComponent("c,1"))
        #expect(throws: RuntimeError.self) { try mounts.mountRoot(over: scratch.url.appendingPathComponent("lower")) }
        #expect(!FileManager.default.fileExists(atPath: mounts.rootfs.path))
    }

    @Test(
        "the root overlay (either upper layer) shows the image, keeps writes out of it, and is fully released",
        arguments: [
            [ContainerMounts.UpperLayer.stateDirectory], [.tmpfs],
        ])
    func rootOverlay(_ uppers: [ContainerMounts.UpperLayer]) throws {
        guard rootAvailable() else { return }
        let scratch = try Scratch()
        let lower = scratch.url.appendingPathComponent("image")
        try FileManager.default.createDirectory(at: lower.appendingPathComponent("bin"), withIntermediateDirectories: true)
        chmod(lower.path, 0o755)
        let directory = scratch.url.appendingPathComponent("containers/c1")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let mounts = ContainerMounts(directory: directory)
        let root = try mounts.mountRoot(over: lower, uppers: uppers)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["bin"])
        // The merged root has the image root's mode, so a non-root user can enter it.
        #expect((try FileManager.default.attributesOfItem(atPath: root.path)[.posixPermissions] as? Int) == 0o755)
        // What the runtime would create (a mount point) lands in the container's layer, not the image.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("newdir"), withIntermediateDirectories: false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: lower.path) == ["bin"])
        #expect(try !MountTable.mountPoints(under: directory.path).isEmpty)
        try ContainerMounts.releaseAndRemove(directory)
        #expect(try MountTable.mountPoints(under: scratch.url.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }

    @Test("a pinned volume is staged privately with the source's contents; release leaves the source intact")
    func stagedVolume() throws {
        guard rootAvailable() else { return }
        let scratch = try Scratch()
        let source = scratch.url.appendingPathComponent("host-data")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try "precious".write(to: source.appendingPathComponent("file"), atomically: true, encoding: .utf8)
        let hostFile = scratch.url.appendingPathComponent("host-file")
        try "single".write(to: hostFile, atomically: true, encoding: .utf8)
        let directory = scratch.url.appendingPathComponent("containers/c1")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let volumes = [
            BindMount(source: source.path, destination: "/data", readOnly: true),
            BindMount(source: hostFile.path, destination: "/etc/single", readOnly: true),
        ]
        var idmapped: [String: UInt32] = [:]
        let staged = try ContainerMounts(directory: directory).stageVolumes(volumes, idmapped: &idmapped)
        #expect(staged == [0: directory.path + "/volumes/0", 1: directory.path + "/volumes/1"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/volumes/0") == ["file"])
        #expect(try String(contentsOfFile: directory.path + "/volumes/1", encoding: .utf8) == "single")
        #expect(try MountTable.mountPoints(under: directory.path) == [directory.path + "/volumes/0", directory.path + "/volumes/1"])
        try ContainerMounts.releaseAndRemove(directory)
        #expect(try String(contentsOf: source.appendingPathComponent("file"), encoding: .utf8) == "precious")
        #expect(try String(contentsOf: hostFile, encoding: .utf8) == "single")
    }
}
