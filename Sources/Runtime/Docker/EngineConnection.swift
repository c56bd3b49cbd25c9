import CHostSystem
import Foundation
import HostSystem

/// One HTTP/1.1 connection to the Docker Engine API over its unix socket, one request at a time.
///
/// Hand-written rather than an HTTP library: the Engine API is a handful of small JSON requests on a
/// local socket plus "hijacked" streams for attach, and a blocking client costs nothing to start, which
/// the run path counts (see README, "Docker backend").
final class EngineConnection: @unchecked Sendable {
    let fd: Int32
    let socketPath: String
    private var buffer: [UInt8] = []

    /// A response head and body.
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    init(socketPath: String) throws(RuntimeError) {
        let fd = sr_connect_unix(socketPath)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw .engineUnavailable(socket: socketPath, reason: reason)
        }
        self.fd = fd
        self.socketPath = socketPath
    }

    deinit { close(fd) }

    /// Sends a request and reads the whole response.
    func request(_ method: String, _ path: String, body: [UInt8]? = nil, contentType: String = "application/json") throws(RuntimeError)
        -> Response
    {
        try send(method, path, body: body, contentType: contentType, upgrade: false)
        let (status, headers) = try readHead()
        return Response(status: status, headers: headers, body: try readBody(headers: headers))
    }

    /// Sends a GET and streams a successful response's body into `fd` (large bodies: `docker save`); an
    /// error response is returned with its (small) body and nothing written.
    func download(_ path: String, to fd: Int32, limit: Int64) throws(RuntimeError) -> Response {
        var written: Int64 = 0
        return try stream("GET", path, verb: "save") { (bytes) throws(RuntimeError) in
            written += Int64(bytes.count)
            guard written <= limit else { throw .engineFailed(verb: "save", message: "the image is over the \(limit)-byte limit") }
            do throws(SystemError) {
                try FileContents.writeAll(fd: fd, Array(bytes), path: "the saved image")
            } catch {
                throw .engineFailed(verb: "save", message: "write: \(error.reason)")
            }
            return true
        }
    }

    /// Sends a request and hands a successful response's body to `consume` piece by piece as it arrives,
    /// until the body ends or `consume` returns false (answers that stream: a saved image, the engine's
    /// events, a followed log). `opened` runs once a successful head has arrived, before any of the body
    /// (false stops there). An error response is returned with its (small) body and nothing consumed.
    func stream(
        _ method: String, _ path: String, verb: String, opened: () throws(RuntimeError) -> Bool = { true },
        consume: (ArraySlice<UInt8>) throws(RuntimeError) -> Bool
    ) throws(RuntimeError) -> Response {
        try send(method, path, body: nil, contentType: "", upgrade: false)
        let (status, headers) = try readHead()
        guard (200..<300).contains(status) else { return Response(status: status, headers: headers, body: try readBody(headers: headers)) }
        guard try opened() else { return Response(status: status, headers: headers, body: []) }
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";").first.map(String.init) ?? "", radix: 16) else {
                    throw .engineFailed(verb: verb, message: "bad chunk size")
                }
                if size == 0 {
                    _ = try readLine()
                    break
                }
                var remaining = size
                while remaining > 0 {
                    if buffer.isEmpty { guard try fill() else { throw .engineFailed(verb: verb, message: "the engine closed the stream") } }
                    let take = min(remaining, buffer.count)
                    let more = try consume(buffer[0..<take])
                    buffer.removeSubrange(0..<take)
                    remaining -= take
                    if !more { return Response(status: status, headers: headers, body: []) }
                }
                try need(2)
                buffer.removeSubrange(0..<2)
            }
        } else {
            var remaining = headers["content-length"].flatMap(Int64.init) ?? Int64.max
            while remaining > 0 {
                if buffer.isEmpty {
                    guard try fill() else {
                        if remaining == Int64.max { break }
                        throw .engineFailed(verb: verb, message: "the engine closed the stream early")
                    }
                }
                let take = Int(min(remaining, Int64(buffer.count)))
                let more = try consume(buffer[0..<take])
                buffer.removeSubrange(0..<take)
                if remaining != Int64.max { remaining -= Int64(take) }
                if !more { break }
            }
        }
        return Response(status: status, headers: headers, body: [])
    }

    /// Sends a request whose body is streamed by `writeBody` (chunked transfer encoding).
    func streamingRequest(
        _ method: String, _ path: String, contentType: String, writeBody: (_ chunk: ([UInt8]) throws(RuntimeError) -> Void) throws(RuntimeError) -> Void
    )
        throws(RuntimeError) -> Response
    {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: docker\r\nUser-Agent: securerun\r\nContent-Type: \(contentType)\r\n"
        head += "Transfer-Encoding: chunked\r\n\r\n"
        try writeAll(Array(head.utf8))
        try writeBody { (bytes) throws(RuntimeError) in
            guard !bytes.isEmpty else { return }
            try writeAll(Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10])
        }
        try writeAll(Array("0\r\n\r\n".utf8))
        let (status, headers) = try readHead()
        return Response(status: status, headers: headers, body: try readBody(headers: headers))
    }

    /// Sends a request that upgrades the connection to a raw stream (attach, exec start); returns the
    /// status and any stream bytes already read past the head.
    func hijack(_ method: String, _ path: String, body: [UInt8]? = nil) throws(RuntimeError) -> (status: Int, pending: [UInt8], errorBody: [UInt8]) {
        try send(method, path, body: body, contentType: "application/json", upgrade: true)
        let (status, headers) = try readHead()
        if status >= 300 { return (status, [], try readBody(headers: headers)) }
        let pending = buffer
        buffer.removeAll()
        return (status, pending, [])
    }

    private func send(_ method: String, _ path: String, body: [UInt8]?, contentType: String, upgrade: Bool) throws(RuntimeError) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: docker\r\nUser-Agent: securerun\r\n"
        if upgrade { head += "Connection: Upgrade\r\nUpgrade: tcp\r\n" }
        if let body {
            head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        } else if method == "POST" {
            head += "Content-Length: 0\r\n"
        }
        head += "\r\n"
        try writeAll(Array(head.utf8) + (body ?? []))
    }

    func writeAll(_ bytes: [UInt8]) throws(RuntimeError) {
        do {
            try FileContents.writeAll(fd: fd, bytes, path: socketPath)
        } catch {
            throw .engineUnavailable(socket: socketPath, reason: "write: \(error.reason)")
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws(RuntimeError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw .engineUnavailable(socket: socketPath, reason: "read: \(String(cString: strerror(errno)))") }
            if count == 0 { return false }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
    }

    private func readLine() throws(RuntimeError) -> String {
        while true {
            if let index = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<index])
                buffer.removeSubrange(...index)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard buffer.count < 1 << 20 else { throw .engineFailed(verb: "read", message: "a response line over 1 MiB") }
            guard try fill() else { throw .engineFailed(verb: "read", message: "the engine closed the connection mid-response") }
        }
    }

    private func readHead() throws(RuntimeError) -> (Int, [String: String]) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw .engineFailed(verb: "read", message: "not an HTTP response: \(statusLine.prefix(80))")
        }
        var headers: [String: String] = [:]
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers)
    }

    private func readBody(headers: [String: String]) throws(RuntimeError) -> [UInt8] {
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            var body: [UInt8] = []
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";").first.map(String.init) ?? "", radix: 16) else {
                    throw .engineFailed(verb: "read", message: "bad chunk size \(sizeLine.prefix(20))")
                }
                if size == 0 {
                    _ = try readLine()
                    return body
                }
                try need(size + 2)
                body.append(contentsOf: buffer[0..<size])
                buffer.removeSubrange(0..<(size + 2))
                guard body.count <= 256 << 20 else { throw .engineFailed(verb: "read", message: "a response over 256 MiB") }
            }
        }
        if let length = headers["content-length"].flatMap(Int.init) {
            guard length <= 256 << 20 else { throw .engineFailed(verb: "read", message: "a response over 256 MiB") }
            try need(length)
            let body = Array(buffer[0..<length])
            buffer.removeSubrange(0..<length)
            return body
        }
        return []
    }

    private func need(_ count: Int) throws(RuntimeError) {
        while buffer.count < count {
            guard try fill() else { throw .engineFailed(verb: "read", message: "the engine closed the connection mid-body") }
        }
    }
}
