import ContentDigest
import Foundation
import TestSupport
import Testing

@testable import Images

/// A real docker-registry on 127.0.0.1:<free port> with a temporary config, optionally behind htpasswd
/// (bcrypt) basic auth; stopped by `stop()`.
final class RegistryFixture {
    let temp = TempDir()
    let port: Int
    private let process = Process()
    var address: String { "127.0.0.1:\(port)" }

    static let binary = "/usr/bin/docker-registry"

    init(user: String? = nil, password: String? = nil) throws {
        port = Self.freePort()
        var auth = ""
        if let user, let password {
            let htpasswd = temp.path("htpasswd").path
            let result = try run("/usr/bin/htpasswd", ["-B", "-b", "-c", htpasswd, user, password])
            guard result.status == 0 else { throw ImageError.credentials(path: htpasswd, reason: result.output) }
            auth = "auth:\n  htpasswd:\n    realm: test\n    path: \(htpasswd)\n"
        }
        let config = """
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: \(temp.path("data").path)
            http:
              addr: 127.0.0.1:\(port)
            \(auth)
            """
        try config.write(to: temp.path("config.yml"), atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", temp.path("config.yml").path]
        // Its access log (one line per request) is kept, for tests that count requests.
        _ = FileManager.default.createFile(atPath: temp.path("access.log").path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: temp.path("access.log"))
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Bounded by Wait.standard: docker-registry can take seconds to start while the suite is busy.
        if Wait.until({ Self.accepts(port) }) { return }
        stop()
        throw ImageError.registry(host: address, reason: "docker-registry did not start")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    /// `METHOD PATH` of every request the registry has logged so far.
    var requests: [String] {
        let text = (try? String(contentsOf: temp.path("access.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\"")
            guard parts.count > 1 else { return nil }
            let request = parts[1].split(separator: " ")
            return request.count >= 2 ? "\(request[0]) \(request[1])" : nil
        }
    }

    /// Pushes an OCI layout to `repo:tag` with skopeo.
    func push(layout: URL, to repositoryTag: String, user: String? = nil, password: String? = nil) throws {
        var arguments = ["copy", "--dest-tls-verify=false"]
        if let user, let password { arguments += ["--dest-creds", "\(user):\(password)"] }
        arguments += ["oci:\(layout.path)", "docker://\(address)/\(repositoryTag)"]
        let result = try run("/usr/bin/skopeo", arguments)
        guard result.status == 0 else { throw ImageError.registry(host: address, reason: "skopeo: \(result.output)") }
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// Writes an OCI layout holding a stored image (its exact blobs), for skopeo and the layout importer.
func exportLayout(_ image: StoredImage, from store: ImageStore, to layout: URL) throws {
    let blobs = layout.appendingPathComponent("blobs/sha256")
    try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
    let manifest = try store.manifest(image)
    for digest in [try Digest(parsing: image.manifestDigest), manifest.config.digest] + manifest.layers.map(\.digest) {
        try FileManager.default.copyItem(at: store.blobURL(digest), to: blobs.appendingPathComponent(digest.hex))
    }
    try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: layout.appendingPathComponent("oci-layout"))
    let size = try store.manifestData(image).count
    let index =
        #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(image.manifestDigest)","size":\#(size)}]}"#
    try Data(index.utf8).write(to: layout.appendingPathComponent("index.json"))
}
