import Foundation
import Testing

/// The same busybox image, made locally, imported through every path a user has (rootfs, OCI layout,
/// OCI archive, docker-save tar, registry pull) must have the same config digest. Drives the built binary.
@Suite(.serialized) struct ImageImportTests {
    private struct Tool {
        static var binary: String {
            if let path = ProcessInfo.processInfo.environment["SECURERUN_BIN"], !path.isEmpty { return path }
            return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/securerun").standardized.path
        }

        @discardableResult
        static func run(_ executable: String, _ arguments: [String], root: URL? = nil) throws -> (status: Int32, out: String, err: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            if let root { environment["SECURERUN_ROOT"] = root.path }
            process.environment = environment
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let outData = out.fileHandleForReading.readDataToEndOfFile()
            let errData = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
        }

        static func available(_ paths: [String]) -> Bool {
            for path in paths where !FileManager.default.isExecutableFile(atPath: path) {
                if ProcessInfo.processInfo.environment["CI"] == "true" {
                    Issue.record("\(path) is required under CI=true")
                } else {
                    print("skipping ImageImportTests: \(path) is not installed")
                }
                return false
            }
            return true
        }

        static func freePort() -> Int { Int.random(in: 20000..<40000) }
    }

    private func securerun(_ arguments: [String], root: URL) throws -> (status: Int32, out: String, err: String) {
        try Tool.run(Tool.binary, arguments, root: root)
    }

    /// `securerun image inspect REF` parsed.
    private func inspect(_ reference: String, root: URL) throws -> [String: Any] {
        let result = try securerun(["image", "inspect", reference], root: root)
        #expect(result.status == 0, "\(result.err)")
        return (try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func everyImportPathGivesTheSameConfigDigest() throws {
        guard Tool.available([Tool.binary, "/bin/busybox", "/usr/bin/skopeo", "/usr/bin/docker-registry"]) else { return }
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-image-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temp) }

        // busybox-static rootfs: the binary plus one absolute symlink per applet, as `busybox --install -s` makes in a chroot.
        let rootfs = temp.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: rootfs.appendingPathComponent("bin/busybox").path)
        for applet in try Tool.run("/bin/busybox", ["--list"]).out.split(separator: "\n") where applet != "busybox" {
            try FileManager.default.createSymbolicLink(atPath: rootfs.appendingPathComponent("bin/\(applet)").path, withDestinationPath: "/bin/busybox")
        }

        let main = temp.appendingPathComponent("root-main")
        let imported = try securerun(["image", "import", "--rootfs", rootfs.path, "--tag", "busybox:it"], root: main)
        #expect(imported.status == 0, "\(imported.err)")
        let image = try inspect("busybox:it", root: main)
        let configDigest = try #require(image["configDigest"] as? String)
        let manifestDigest = try #require(image["manifestDigest"] as? String)
        let rootfsPath = try #require(image["rootfs"] as? String)
        #expect(FileManager.default.isExecutableFile(atPath: rootfsPath + "/bin/busybox"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: rootfsPath + "/bin/sh") == "/bin/busybox")

        let again = try securerun(["image", "import", "--rootfs", rootfs.path, "--tag", "busybox:again"], root: temp.appendingPathComponent("root-again"))
        #expect(again.out.contains(manifestDigest), "the same tree gives the same manifest digest")

        // OCI layout from the stored blobs, then skopeo turns it into an OCI archive and a docker-save tar.
        let layout = temp.appendingPathComponent("layout")
        let blobs = layout.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: main.appendingPathComponent("blobs/sha256").path) where !file.hasPrefix(".") {
            try FileManager.default.copyItem(at: main.appendingPathComponent("blobs/sha256/\(file)"), to: blobs.appendingPathComponent(file))
        }
        let manifestSize = try FileManager.default.attributesOfItem(atPath: blobs.appendingPathComponent(String(manifestDigest.dropFirst(7))).path)[.size] as? Int ?? 0
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: layout.appendingPathComponent("oci-layout"))
        try Data(#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(manifestDigest)","size":\#(manifestSize)}]}"#.utf8)
            .write(to: layout.appendingPathComponent("index.json"))
        let ociArchive = temp.appendingPathComponent("busybox-oci.tar")
        let dockerArchive = temp.appendingPathComponent("busybox-docker.tar")
        #expect(try Tool.run("/usr/bin/skopeo", ["copy", "oci:\(layout.path)", "oci-archive:\(ociArchive.path)"]).status == 0)
        #expect(try Tool.run("/usr/bin/skopeo", ["copy", "oci:\(layout.path)", "docker-archive:\(dockerArchive.path):busybox:docker"]).status == 0)

        for (index, path) in [layout, ociArchive, dockerArchive].enumerated() {
            let root = temp.appendingPathComponent("root-\(index)")
            let result = try securerun(["image", "import", path.path, "--tag", "busybox:path\(index)"], root: root)
            #expect(result.status == 0, "\(path.lastPathComponent): \(result.err)")
            #expect(try inspect("busybox:path\(index)", root: root)["configDigest"] as? String == configDigest, "\(path.lastPathComponent)")
        }

        // Registry: a real docker-registry on loopback, pushed to by skopeo, pulled with --insecure.
        let port = Tool.freePort()
        let config = temp.appendingPathComponent("registry.yml")
        try "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: \(temp.path)/registry\nhttp:\n  addr: 127.0.0.1:\(port)\n".write(to: config, atomically: true, encoding: .utf8)
        let registry = Process()
        registry.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        registry.arguments = ["serve", config.path]
        registry.standardOutput = FileHandle.nullDevice
        registry.standardError = FileHandle.nullDevice
        try registry.run()
        defer {
            registry.terminate()
            registry.waitUntilExit()
        }
        var pushed = false
        for _ in 0..<40 where !pushed {
            usleep(250_000)
            pushed = try Tool.run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", "oci:\(layout.path)", "docker://127.0.0.1:\(port)/it/busybox:1"]).status == 0
        }
        #expect(pushed)
        let pulledRoot = temp.appendingPathComponent("root-pulled")
        let pulled = try securerun(["image", "pull", "--insecure", "127.0.0.1:\(port)/it/busybox:1"], root: pulledRoot)
        #expect(pulled.status == 0, "\(pulled.err)")
        let pulledImage = try inspect("127.0.0.1:\(port)/it/busybox:1", root: pulledRoot)
        #expect(pulledImage["configDigest"] as? String == configDigest)
        #expect(pulledImage["manifestDigest"] as? String == manifestDigest)

        let listed = try securerun(["image", "ls"], root: pulledRoot)
        #expect(listed.out.hasPrefix("REPOSITORY"))
        #expect(listed.out.contains("127.0.0.1:\(port)/it/busybox"))
    }

    @Test func refusalsAreOneLineWithExit125() throws {
        guard Tool.available([Tool.binary]) else { return }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-image-it-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let missing = try securerun(["image", "inspect", "nope:1"], root: root)
        #expect(missing.status == 125)
        #expect(missing.err == "securerun: no image 'nope:1' in the store at \(root.path); import or pull it first (`securerun image ls` lists stored images)\n")
        let insecure = try securerun(["image", "pull", "--insecure", "example.com/x:1"], root: root)
        #expect(insecure.status == 125)
        #expect(insecure.err.contains("--insecure (plain http) is allowed only for loopback registries, not example.com"))
        let notAnImage = try securerun(["image", "import", "/etc/hostname"], root: root)
        #expect(notAnImage.status == 125)
        #expect(notAnImage.err.contains("is not an OCI layout, OCI archive or docker-save tar"))
    }
}
