import Foundation
import HostSystem
import Testing

/// Builds the small local images the integration tests run: busybox-static plus a static C probe.
enum TestImages {
    /// A rootfs directory with busybox (and its applet links) and /probe.
    static func busyboxRootfs(at dir: URL) throws {
        let fm = FileManager.default
        for sub in ["bin", "etc", "tmp", "proc", "sys", "dev"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let busybox = dir.appendingPathComponent("bin/busybox")
        try fm.copyItem(atPath: "/bin/busybox", toPath: busybox.path)
        for applet in ["sh", "cat", "echo", "ls", "id", "sleep", "true", "false", "touch", "mkdir", "head", "grep", "env", "pwd", "wc", "dd"] {
            try fm.createSymbolicLink(atPath: dir.appendingPathComponent("bin/\(applet)").path, withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/tmp:/bin/sh\n"
            .write(to: dir.appendingPathComponent("etc/passwd"), atomically: true, encoding: .utf8)
        try "root:x:0:\nnogroup:x:65534:\napp:x:1000:\n".write(to: dir.appendingPathComponent("etc/group"), atomically: true, encoding: .utf8)
        try compileProbe(to: dir.appendingPathComponent("probe"))
    }

    /// Compiles Tests/tools/probe.c statically with gcc.
    static func compileProbe(to output: URL) throws {
        let source = CLI.packageRoot.appendingPathComponent("Tests/tools/probe.c").path
        let result = try CLI.exec("gcc", ["-static", "-O1", "-o", output.path, source])
        guard result.status == 0 else {
            throw TestFailure("gcc failed to build the probe: \(result.stderr)")
        }
    }
}

/// A fixture problem, reported as a test error.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A temporary directory removed at deinit, never through a mount (a test that fails half-way may
/// leave one; then the directory is kept and named on stderr).
final class TemporaryDirectory: Sendable {
    let url: URL
    init(_ prefix: String = "securerun-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit {
        do {
            try SafeRemoval.remove(url.path)
        } catch {
            FileHandle.standardError.write(Data("test clean-up: \(error)\n".utf8))
        }
    }
}
