import ContentDigest
import Foundation
import TestSupport

@testable import Images

/// A front for a real docker-registry, the way registries that keep blobs in object storage behave: on
/// 127.0.0.1 it passes every request through to the registry (credentials and challenges included), but
/// answers an authorised blob GET with a 307 to a second server on 127.0.0.2 that serves the blob bytes and,
/// like a storage host ("Only one auth mechanism allowed"), refuses any request carrying an Authorization
/// header. It can also fail the first requests of each blob with 503, to exercise retries. Both are Python's
/// standard library; every request the storage host sees is logged (with whether it carried credentials).
final class RedirectingFrontend {
    let front: Int
    let storage: Int
    let log: URL
    private var processes: [Process] = []

    var address: String { "127.0.0.1:\(front)" }

    private static let script = #"""
        import http.server, os, signal, sys, urllib.request, urllib.error, threading
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        role, port, upstream, storage_port, blobs, log, fail_first = sys.argv[1:8]
        fail_first = int(fail_first)
        failures = {}
        lock = threading.Lock()

        class Front(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def forward(self, method):
                request = urllib.request.Request("http://" + upstream + self.path, method=method)
                for name in ("Authorization", "Accept"):
                    if self.headers.get(name):
                        request.add_header(name, self.headers[name])
                try:
                    response = urllib.request.urlopen(request)
                    status, headers, body = response.status, response.headers, response.read()
                except urllib.error.HTTPError as error:
                    status, headers, body = error.code, error.headers, error.read()
                return status, headers, body
            def answer(self, status, headers, body):
                self.send_response(status)
                for name in ("Content-Type", "Docker-Content-Digest", "WWW-Authenticate", "Location"):
                    if headers.get(name):
                        self.send_header(name, headers[name])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_GET(self):
                parts = self.path.split("?")[0].split("/")
                if len(parts) >= 5 and parts[-2] == "blobs" and parts[-1].startswith("sha256:"):
                    with lock:
                        failures[self.path] = failures.get(self.path, 0) + 1
                        count = failures[self.path]
                    if count <= fail_first:
                        self.answer(503, {"Content-Type": "text/plain"}, b"busy, try again")
                        return
                    status, headers, body = self.forward("HEAD")
                    if status == 200:
                        target = "http://127.0.0.2:%s/blobs/%s" % (storage_port, parts[-1][len("sha256:"):])
                        self.answer(307, {"Location": target}, b"")
                        return
                    self.answer(status, headers, body)
                    return
                self.answer(*self.forward("GET"))
            def log_message(self, *args):
                pass

        class Storage(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_GET(self):
                credentials = self.headers.get("Authorization") is not None
                with open(log, "a") as handle:
                    handle.write("%s %s\n" % (self.path, "with-credentials" if credentials else "no-credentials"))
                hexdigest = self.path.rsplit("/", 1)[-1]
                path = os.path.join(blobs, hexdigest[:2], hexdigest, "data")
                if credentials:
                    body = b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>"
                    self.send_response(400)
                elif os.path.isfile(path):
                    self.send_response(200)
                    self.send_header("Content-Length", str(os.path.getsize(path)))
                    self.end_headers()
                    with open(path, "rb") as source:
                        while True:
                            chunk = source.read(1 << 20)
                            if not chunk:
                                break
                            self.wfile.write(chunk)
                    return
                else:
                    body = b"no such blob"
                    self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass

        host = "127.0.0.1" if role == "front" else "127.0.0.2"
        http.server.ThreadingHTTPServer((host, int(port)), Front if role == "front" else Storage).serve_forever()
        """#

    /// A front for `registry` (whose storage is under `registry.temp/data`); blob GETs fail with 503 for
    /// the first `failFirst` requests of each blob.
    init(for registry: RegistryFixture, in temp: TempDir, failFirst: Int = 0) throws {
        front = RegistryFixture.freePort()
        storage = Int.random(in: 41000..<49000)
        log = temp.path("storage-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let blobs = registry.temp.path("data/docker/registry/v2/blobs/sha256").path
        processes = try PythonServers.start(
            Self.script,
            arguments: [("front", front), ("storage", storage)].map { role, port in
                [role, "\(port)", registry.address, "\(storage)", blobs, log.path, "\(failFirst)"]
            },
            listening: [("127.0.0.1", front), ("127.0.0.2", storage)])
    }

    /// The storage host's log: one `path with-credentials|no-credentials` line per request.
    var storageRequests: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() { PythonServers.stop(processes) }

    deinit { stop() }

    static func accepts(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = UInt16(port).bigEndian
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// Python test servers started for one test: each role a process, ready once its address accepts.
enum PythonServers {
    /// Starts `python3 -c script` once per argument list, then waits until every address accepts.
    static func start(_ script: String, arguments: [[String]], listening addresses: [(host: String, port: Int)]) throws -> [Process] {
        var processes: [Process] = []
        for list in arguments {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", script] + list
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            processes.append(process)
        }
        for (host, port) in addresses {
            guard Wait.until({ RedirectingFrontend.accepts(host: host, port: port) }) else {
                stop(processes)
                throw ImageError.registry(host: "\(host):\(port)", reason: "the python test server did not start")
            }
        }
        return processes
    }

    static func stop(_ processes: [Process]) {
        for process in processes where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
