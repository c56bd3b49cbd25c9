import ContentDigest
import Foundation
import Images

/// A read-only registry that serves files (Python's standard library, on 127.0.0.1), for what Debian's
/// docker-registry (distribution 2.8) lacks: the OCI 1.1 referrers API. A GET of `/v2/<path>` answers the
/// file `<directory>/v2/<path>` with the Content-Type in `<file>.type`; anything else is 404.
final class StaticRegistry {
    let directory: URL
    private let server: LoopbackServer

    var host: String { "127.0.0.1:\(server.port)" }

    private static let script = #"""
        import http.server, os, signal, sys
        # The test process spawns children with SIGTERM blocked; unblock it so terminate() stops the server.
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        root, port = sys.argv[1], int(sys.argv[2])
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = os.path.normpath(os.path.join(root, self.path.split("?")[0].lstrip("/")))
                if self.path.rstrip("/") == "/v2":
                    body, kind = b"{}", "application/json"
                elif path.startswith(root + "/v2/") and os.path.isfile(path) and not path.endswith(".type"):
                    body = open(path, "rb").read()
                    kind = open(path + ".type").read() if os.path.exists(path + ".type") else "application/octet-stream"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
        """#

    init(in parent: URL) throws {
        let directory = parent.appendingPathComponent("static-registry-\(UUID().uuidString.prefix(6))")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        server = try LoopbackServer("the python3 static registry", ports: 40000..<50000) { port in
            ["python3", "-c", Self.script, directory.path, "\(port)"]
        }
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Serves `data` at `/v2/<path>` with `contentType`.
    func put(_ data: Data, at path: String, contentType: String) throws {
        let file = directory.appendingPathComponent("v2/" + path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
        try contentType.write(to: URL(fileURLWithPath: file.path + ".type"), atomically: true, encoding: .utf8)
    }

    /// Serves a blob of `repository` and returns its descriptor.
    @discardableResult
    func putBlob(_ data: Data, mediaType: String, repository: String) throws -> LocalRegistry.Pushed {
        let digest = Digest.of(data).description
        try put(data, at: "\(repository)/blobs/\(digest)", contentType: "application/octet-stream")
        return LocalRegistry.Pushed(mediaType: mediaType, digest: digest, size: data.count)
    }

    /// Serves a manifest by its digest (and under `tag`, when given) and returns its descriptor.
    @discardableResult
    func putManifest(_ text: String, mediaType: String, repository: String, tag: String? = nil) throws -> LocalRegistry.Pushed {
        let data = Data(text.utf8)
        let digest = Digest.of(data).description
        for reference in [digest] + (tag.map { [$0] } ?? []) {
            try put(data, at: "\(repository)/manifests/\(reference)", contentType: mediaType)
        }
        return LocalRegistry.Pushed(mediaType: mediaType, digest: digest, size: data.count)
    }
}
