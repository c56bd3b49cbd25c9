import Foundation
import Testing

@testable import Runtime

@Suite("RootfsPath and CommandLookup resolve inside the image, never on the host")
struct RootfsPathTests {
    func rootfs() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rootfs-\(UUID())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("real-etc"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("bin/tool").path, contents: Data(), attributes: [.posixPermissions: 0o755])
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("bin/data").path, contents: Data(), attributes: [.posixPermissions: 0o644])
        try "app:x:1000:1000::/:/bin/sh\n".write(to: dir.appendingPathComponent("real-etc/passwd"), atomically: true, encoding: .utf8)
        return dir
    }

    // Attack (F7): `x -> .` makes `x/x/x/../../../etc` climb out on the host while the link text looks harmless.
    @Test("a dot-link chain with .. stays inside the rootfs")
    func dotLinkChain() throws {
        let root = try rootfs()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("x").path, withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("etc").path, withDestinationPath: "x/x/x/x/../../../../real-etc")
        let resolved = try #require(RootfsPath.resolve("/etc/passwd", in: root))
        #expect(resolved.hostPath == root.path + "/real-etc/passwd")
        #expect(ImageUsers.numeric("app", rootfs: root) == "1000:1000")
        // The host's /etc/passwd has root; the image's does not, so "root" must not resolve.
        #expect(ImageUsers.numeric("root", rootfs: root) == nil)
    }

    @Test("absolute links and .. are interpreted inside the rootfs")
    func absoluteAndDotDot() throws {
        let root = try rootfs()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("bin/sh").path, withDestinationPath: "/bin/tool")
        #expect(RootfsPath.resolve("/bin/sh", in: root)?.hostPath == root.path + "/bin/tool")
        #expect(RootfsPath.resolve("/../../../../bin/tool", in: root)?.hostPath == root.path + "/bin/tool")
        #expect(RootfsPath.resolve("/../../../../etc/hostname", in: root) == nil, "the host's /etc/hostname is not seen")
    }

    @Test("link loops end")
    func loops() throws {
        let root = try rootfs()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("a").path, withDestinationPath: "b")
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("b").path, withDestinationPath: "a")
        #expect(RootfsPath.resolve("/a", in: root) == nil)
    }

    @Test("command lookup: found, not found (127), not executable (126)")
    func commands() throws {
        let root = try rootfs()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(CommandLookup.find("tool", in: root, env: ["PATH=/bin"]) == .found)
        #expect(CommandLookup.find("/bin/tool", in: root, env: []) == .found)
        #expect(CommandLookup.find("./tool", in: root, env: [], cwd: "/bin") == .found)
        #expect(CommandLookup.find("missing", in: root, env: ["PATH=/bin"]) == .notFound)
        #expect(CommandLookup.find("/bin", in: root, env: []) == .notExecutable(reason: "is a directory"))
        #expect(CommandLookup.find("data", in: root, env: ["PATH=/bin"]) == .notExecutable(reason: "has no execute permission"))
        #expect(CommandLookup.find("/../../../../bin/sh", in: root, env: []) == .notFound, "never probes the host's /bin/sh")
    }
}
