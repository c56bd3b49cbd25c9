import Foundation
import Testing

/// A real `docker-registry` (distribution v2) on 127.0.0.1 for one test, stopped and removed at deinit.
final class LocalRegistry {
    let directory: URL
    private let server: LoopbackServer
    var port: Int { server.port }

    /// "127.0.0.1:PORT".
    var host: String { "127.0.0.1:\(port)" }

    /// Credentials the registry demands (htpasswd, bcrypt), if any.
    let credentials: (user: String, password: String)?

    /// A registry under `parent`; with `user` and `password` it demands basic auth (htpasswd).
    init(in parent: URL, user: String? = nil, password: String? = nil) throws {
        let directory = parent.appendingPathComponent("registry-\(UUID().uuidString.prefix(6))")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var auth = ""
        if let user, let password {
            let htpasswd = directory.appendingPathComponent("htpasswd").path
            let made = try CLI.exec("htpasswd", ["-B", "-b", "-c", htpasswd, user, password])
            guard made.status == 0 else { throw TestFailure("htpasswd failed: \(made)") }
            auth = "auth:\n  htpasswd:\n    realm: test\n    path: \(htpasswd)\n"
            credentials = (user, password)
        } else {
            credentials = nil
        }
        server = try LoopbackServer("docker-registry", ports: 20000..<40000, log: directory.appendingPathComponent("access.log")) { port in
            let config = directory.appendingPathComponent("config.yml")
            try
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: \(directory.path)/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:\(port)\n\(auth)"
                .write(to: config, atomically: true, encoding: .utf8)
            return ["docker-registry", "serve", config.path]
        }
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops the registry now (its files stay until deinit), for tests of what happens when it is gone.
    func stop() { server.stop() }

    /// The requests the registry has logged so far (its access log: `"METHOD PATH HTTP/1.1" STATUS`), as
    /// `METHOD PATH STATUS`, optionally only those whose path contains `containing`.
    func requests(containing: String = "") -> [String] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("access.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line -> String? in
            guard let open = line.firstIndex(of: "\"") else { return nil }
            let rest = line[line.index(after: open)...]
            guard let close = rest.firstIndex(of: "\"") else { return nil }
            let request = rest[..<close].split(separator: " ")
            let status = rest[rest.index(after: close)...].split(separator: " ").first ?? ""
            guard request.count >= 2, request[1].contains(containing) || containing.isEmpty else { return nil }
            return "\(request[0]) \(request[1]) \(status)"
        }
    }

    /// Pushes an OCI layout (or any skopeo source) to `repository:tag` in this registry.
    func push(_ source: String, to reference: String) throws {
        let login = credentials.map { ["--dest-creds", "\($0.user):\($0.password)"] } ?? []
        let result = try CLI.exec("skopeo", ["copy", "--dest-tls-verify=false"] + login + [source, "docker://\(host)/\(reference)"], timeout: 600)
        guard result.status == 0 else { throw TestFailure("skopeo push failed: \(result)") }
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
        try Data(
            #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(manifestDigest)","size":\#(size)}]}"#.utf8
        )
        .write(to: layout.appendingPathComponent("index.json"))
    }
}
