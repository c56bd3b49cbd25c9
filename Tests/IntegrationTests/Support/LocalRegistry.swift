import Foundation
import Testing

/// A real `docker-registry` (distribution v2) on 127.0.0.1 for one test, stopped and removed at deinit.
final class LocalRegistry {
    let port: Int
    let directory: URL
    private let server: Process

    /// "127.0.0.1:PORT".
    var host: String { "127.0.0.1:\(port)" }

    init(in parent: URL) throws {
        directory = parent.appendingPathComponent("registry-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var chosen: (port: Int, process: Process)?
        // A few tries in case the random port is taken; the registry exits at once if it cannot listen.
        for _ in 0..<5 where chosen == nil {
            let candidate = Int.random(in: 20000..<40000)
            let config = directory.appendingPathComponent("config.yml")
            try "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: \(directory.path)/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:\(candidate)\n"
                .write(to: config, atomically: true, encoding: .utf8)
            let attempt = Process()
            attempt.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
            attempt.arguments = ["serve", config.path]
            attempt.standardOutput = FileHandle.nullDevice
            attempt.standardError = FileHandle.nullDevice
            try attempt.run()
            if Self.waitForListening(port: candidate, process: attempt) {
                chosen = (candidate, attempt)
            } else {
                attempt.terminate()
            }
        }
        guard let chosen else { throw TestFailure("docker-registry did not start on 127.0.0.1") }
        port = chosen.port
        server = chosen.process
    }

    deinit {
        if server.isRunning {
            server.terminate()
            server.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Pushes an OCI layout (or any skopeo source) to `repository:tag` in this registry.
    func push(_ source: String, to reference: String) throws {
        let result = try CLI.exec("skopeo", ["copy", "--dest-tls-verify=false", source, "docker://\(host)/\(reference)"])
        guard result.status == 0 else { throw TestFailure("skopeo push failed: \(result)") }
    }

    static func waitForListening(port: Int, process: Process) -> Bool {
        for _ in 0..<50 {
            guard process.isRunning else { return false }
            if let result = try? CLI.exec("/usr/bin/env", ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]), result.status == 0 { return true }
            usleep(100_000)
        }
        return false
    }
}

/// Writes an OCI image layout holding one image from a securerun state root's blobs.
enum OCILayout {
    static func export(manifestDigest: String, from stateRoot: URL, to layout: URL) throws {
        let fm = FileManager.default
        let blobs = layout.appendingPathComponent("blobs/sha256")
        try fm.createDirectory(at: blobs, withIntermediateDirectories: true)
        for file in try fm.contentsOfDirectory(atPath: stateRoot.appendingPathComponent("blobs/sha256").path) where !file.hasPrefix(".") {
            try fm.copyItem(at: stateRoot.appendingPathComponent("blobs/sha256/\(file)"), to: blobs.appendingPathComponent(file))
        }
        let size = (try fm.attributesOfItem(atPath: blobs.appendingPathComponent(String(manifestDigest.dropFirst(7))).path)[.size] as? Int) ?? 0
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: layout.appendingPathComponent("oci-layout"))
        try Data(#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(manifestDigest)","size":\#(size)}]}"#.utf8)
            .write(to: layout.appendingPathComponent("index.json"))
    }
}
