import AsyncHTTPClient
import Crypto
import Foundation
import Images
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The one HTTP client of the process (async-http-client over SwiftNIO): pooled connections, no automatic
/// redirects (the transport follows them itself, so credentials never follow one to another origin), no
/// automatic decompression (registries serve blobs whose digest covers the bytes as served). Created on
/// first use, so commands that never talk to a registry pay nothing for it.
enum RegistryHTTP {
    static let client: HTTPClient = {
        // A failed connection fails the request at once: the transport decides what is worth retrying (a
        // refused connection, a timeout), and a TLS handshake with a plain-HTTP server is not.
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(30))
        pool.retryConnectionEstablishment = false
        return HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(15), read: .seconds(60)), connectionPool: pool,
                decompression: .disabled))
    }()
}

/// A response whose body went where the request asked.
struct RegistryResponse {
    var status: Int
    var headers: HTTPHeaders
    /// The body when it was collected in memory (or, for a failure status, its first bytes).
    var body: Data

    func header(_ name: String) -> String? { headers.first(name: name) }
}

/// Byte progress of one transfer, for a terminal.
public struct TransferProgress: Sendable, Equatable {
    /// What is being fetched (a digest).
    public var what: String
    /// Bytes received so far.
    public var done: Int64
    /// Bytes expected.
    public var total: Int64
    /// Bytes per second since the transfer started.
    public var bytesPerSecond: Double
    /// Whether this is the last report for it.
    public var finished: Bool
}

/// Receives a body while it arrives: writes it to a file descriptor and hashes it, never holding more
/// than one buffer in memory, and refuses more bytes than expected.
final class StreamingSink {
    let descriptor: Int32
    let path: String
    let expected: Int64
    /// The content, for errors (`blob sha256:… from registry/repo`).
    let what: String
    /// The content, for progress (its digest).
    let label: String
    let progress: (@Sendable (TransferProgress) -> Void)?
    private(set) var hasher = SHA256()
    private(set) var count: Int64 = 0
    private var started = Date()
    private var reported = Date.distantPast

    init(descriptor: Int32, path: String, expected: Int64, what: String, label: String, progress: (@Sendable (TransferProgress) -> Void)?) {
        self.descriptor = descriptor
        self.path = path
        self.expected = expected
        self.what = what
        self.label = label
        self.progress = progress
    }

    /// Starts over (a retried transfer).
    func reset() throws(ImageError) {
        guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw .io(path: path, operation: "truncate", errno: errno)
        }
        hasher = SHA256()
        count = 0
        started = Date()
    }

    func append(_ buffer: ByteBuffer) throws(ImageError) {
        count += Int64(buffer.readableBytes)
        guard count <= expected else { throw .sizeMismatch(what: what, expected: expected, actual: count) }
        try buffer.withUnsafeReadableBytes { (raw) throws(ImageError) in
            hasher.update(bufferPointer: raw)
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let written = write(descriptor, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw .io(path: path, operation: "write", errno: errno)
                }
                offset += written
            }
        }
        report(finished: false)
    }

    func report(finished: Bool) {
        guard let progress else { return }
        let now = Date()
        guard finished || now.timeIntervalSince(reported) >= 0.1 else { return }
        reported = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        progress(TransferProgress(what: label, done: count, total: expected, bytesPerSecond: Double(count) / elapsed, finished: finished))
    }
}

/// A request body that can be sent again (after a 401 challenge, on a retry): bytes in memory, or a range
/// of a file streamed from disk in blocks.
enum RequestBody: Sendable {
    case data(Data)
    case file(path: String, offset: Int64, length: Int64)

    /// The number of bytes it sends.
    var length: Int64 {
        switch self {
        case .data(let data): return Int64(data.count)
        case .file(_, _, let length): return length
        }
    }

    /// The part of it from `offset`, `length` bytes long (one chunk of a chunked upload).
    func slice(offset: Int64, length: Int64) -> RequestBody {
        switch self {
        case .data(let data):
            let start = data.startIndex + Int(offset)
            return .data(data.subdata(in: start..<(start + Int(length))))
        case .file(let path, let base, _):
            return .file(path: path, offset: base + offset, length: length)
        }
    }

    var httpBody: HTTPClientRequest.Body {
        switch self {
        case .data(let data): return .bytes(ByteBuffer(bytes: data))
        case .file(let path, let offset, let length): return .stream(FileChunks(path: path, offset: offset, length: length), length: .known(length))
        }
    }
}

/// A range of a file as a sequence of buffers (1 MiB each), read only as the request body is sent.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    let offset: Int64
    let length: Int64

    func makeAsyncIterator() -> Iterator { Iterator(chunks: self) }

    /// Reads the file with pread; the descriptor is closed when the iterator goes away.
    struct Iterator: AsyncIteratorProtocol {
        private final class Handle {
            let fd: Int32
            init(fd: Int32) { self.fd = fd }
            deinit { if fd >= 0 { close(fd) } }
        }
        let chunks: FileChunks
        private var handle: Handle?
        private var sent: Int64 = 0

        init(chunks: FileChunks) { self.chunks = chunks }

        mutating func next() async throws -> ByteBuffer? {
            guard sent < chunks.length else { return nil }
            if handle == nil {
                let fd = open(chunks.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                guard fd >= 0 else { throw ImageError.io(path: chunks.path, operation: "open", errno: errno) }
                handle = Handle(fd: fd)
            }
            guard let handle else { return nil }
            let wanted = Int(Swift.min(Int64(1 << 20), chunks.length - sent))
            var buffer = ByteBuffer()
            buffer.reserveCapacity(wanted)
            var count = 0
            while true {
                var result = 0
                var code: Int32 = 0
                count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { raw in
                    result = pread(handle.fd, raw.baseAddress, wanted, off_t(chunks.offset + sent))
                    code = errno
                    return Swift.max(0, result)
                }
                if count > 0 { break }
                if result < 0 && code == EINTR { continue }
                if result < 0 { throw ImageError.io(path: chunks.path, operation: "read", errno: code) }
                throw ImageError.sizeMismatch(what: "blob file \(chunks.path)", expected: chunks.offset + chunks.length, actual: chunks.offset + sent)
            }
            sent += Int64(count)
            return buffer
        }
    }
}

/// Requests to one registry: redirects of GET and HEAD followed by hand (at most 5; credentials dropped
/// when the scheme, host or port changes; never from https to http, except between loopback hosts with
/// `--insecure`), transient failures retried a bounded number of times (for requests that may be
/// repeated), bodies collected up to a limit or streamed to disk while hashed.
struct RegistryTransport: Sendable {
    /// `host[:port]` as the user wrote it, for messages.
    let registry: String
    let insecure: Bool

    static let maxRedirects = 5
    /// Attempts per request, counting the first.
    static let attempts = 3
    /// How much of a failure response's body is kept for the message.
    static let errorBodyLimit = 64 << 10

    /// What to do with a successful (200) body.
    enum Sink {
        case memory(limit: Int)
        case stream(StreamingSink)
    }

    /// GETs `url` and returns the final response of the redirect chain (after retries).
    func get(_ url: URL, headers: HTTPHeaders, sink: Sink) async throws(ImageError) -> RegistryResponse {
        try await send(.GET, url, headers: headers, body: nil, sink: sink, retry: true)
    }

    /// Sends one request and returns the final response (of the redirect chain, for GET and HEAD). With
    /// `retry`, transient failures and 429/5xx answers are tried again (only for requests that may be
    /// repeated: an upload's POST, PATCH and PUT are not).
    func send(_ method: HTTPMethod, _ url: URL, headers: HTTPHeaders, body: RequestBody?, sink: Sink, retry: Bool) async throws(ImageError)
        -> RegistryResponse
    {
        var attempt = 1
        let attempts = retry ? Self.attempts : 1
        while true {
            let outcome: Result<RegistryResponse, Failure>
            do throws(Failure) {
                outcome = .success(try await once(method, url, headers: headers, body: body, sink: sink))
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let response):
                guard Self.retryable(response.status), attempt < attempts else { return response }
            case .failure(.final(let error)):
                throw error
            case .failure(.transient(let reason)):
                guard attempt < attempts else {
                    throw .registry(host: registry, reason: attempts > 1 ? "\(reason) (tried \(attempts) times)" : reason)
                }
            }
            try await backoff(attempt)
            attempt += 1
            if case .stream(let streaming) = sink { try streaming.reset() }
        }
    }

    /// Why one attempt failed: worth retrying, or not.
    enum Failure: Error {
        case transient(String)
        case final(ImageError)
    }

    static func retryable(_ status: Int) -> Bool { [429, 502, 503, 504].contains(status) }

    private func backoff(_ attempt: Int) async throws(ImageError) {
        do {
            try await Task.sleep(nanoseconds: UInt64(250_000_000 << (2 * (attempt - 1))))
        } catch {
            throw .registry(host: registry, reason: "cancelled")
        }
    }

    private func once(_ method: HTTPMethod, _ start: URL, headers initial: HTTPHeaders, body: RequestBody?, sink: Sink) async throws(Failure)
        -> RegistryResponse
    {
        var url = start
        var headers = initial
        for _ in 0...Self.maxRedirects {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = method
            request.headers = headers
            if let body {
                request.body = body.httpBody
            } else if method == .PUT || method == .POST || method == .PATCH {
                request.body = .bytes(ByteBuffer())
            }
            let response: HTTPClientResponse
            do {
                response = try await RegistryHTTP.client.execute(request, timeout: .seconds(60))
            } catch {
                throw describe(error, url: url)
            }
            let status = Int(response.status.code)
            if method == .GET || method == .HEAD, [301, 302, 303, 307, 308].contains(status), let location = response.headers.first(name: "Location") {
                _ = try? await response.body.collect(upTo: Self.errorBodyLimit)
                let next = try target(from: url, to: location, what: "redirected")
                // Credentials belong to the origin they were given for: another scheme, host or port gets none
                // (a storage host would refuse them, or keep them).
                if Self.origin(next) != Self.origin(url) { headers.remove(name: "Authorization") }
                url = next
                continue
            }
            do {
                guard status == 200 else {
                    let body = try await response.body.collect(upTo: Self.errorBodyLimit)
                    return RegistryResponse(status: status, headers: response.headers, body: Data(body.readableBytesView))
                }
                switch sink {
                case .memory(let limit):
                    if method != .HEAD, let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
                        throw Failure.final(.registry(host: registry, reason: "\(url.path) is \(length) bytes, over the limit of \(limit)"))
                    }
                    let body = try await response.body.collect(upTo: limit)
                    return RegistryResponse(status: status, headers: response.headers, body: Data(body.readableBytesView))
                case .stream(let streaming):
                    for try await buffer in response.body {
                        do { try streaming.append(buffer) } catch { throw Failure.final(error) }
                    }
                    streaming.report(finished: true)
                    return RegistryResponse(status: status, headers: response.headers, body: Data())
                }
            } catch let failure as Failure {
                throw failure
            } catch is NIOTooManyBytesError {
                throw .final(.registry(host: registry, reason: "\(url.path) answered more than the bytes allowed for it"))
            } catch {
                throw describe(error, url: url)
            }
        }
        throw .final(.registry(host: registry, reason: "\(start.path) redirected more than \(Self.maxRedirects) times"))
    }

    /// The absolute target of a redirect (or of an upload's Location), refusing a downgrade from https
    /// (plain http only between loopback hosts with `--insecure`).
    private func target(from url: URL, to location: String, what: String) throws(Failure) -> URL {
        do throws(ImageError) { return try checkedLocation(location, from: url, what: what) } catch { throw .final(error) }
    }

    /// `location` resolved against `url`, refused unless it is https (or loopback http with `--insecure`).
    func checkedLocation(_ location: String, from url: URL, what: String) throws(ImageError) -> URL {
        guard let next = URL(string: location, relativeTo: url)?.absoluteURL, let scheme = next.scheme?.lowercased(), next.host != nil else {
            throw .registry(host: registry, reason: "\(url.path) \(what) to '\(location)', which is not a URL")
        }
        switch scheme {
        case "https": return next
        case "http" where insecure && RegistryClient.isLoopback(Self.hostPort(next)): return next
        default:
            throw .registry(
                host: registry, reason: "\(url.path) \(what) to \(scheme)://\(next.host ?? ""); only https (or loopback http with --insecure) is followed")
        }
    }

    /// scheme, host and port: what credentials are bound to.
    static func origin(_ url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }

    static func hostPort(_ url: URL) -> String {
        let host = url.host ?? ""
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return url.port.map { "\(bracketed):\($0)" } ?? bracketed
    }

    /// One line for a failure of the connection or TLS, never a library's dump, and whether to retry.
    private func describe(_ error: Error, url: URL) -> Failure {
        let target = Self.hostPort(url)
        if let ssl = error as? NIOSSLError {
            if case .handshakeFailed = ssl, "\(ssl)".contains("WRONG_VERSION_NUMBER") {
                let advice =
                    RegistryClient.isLoopback(registry)
                    ? "for a registry on this machine use --insecure" : "securerun pulls over https only (--insecure is for loopback registries)"
                return .final(.registry(host: registry, reason: "\(target) answered in plain http, not https; \(advice)"))
            }
            return .final(.registry(host: registry, reason: "the tls handshake with \(target) failed (is its certificate trusted by this host?)"))
        }
        if error is NIOSSLExtraError {
            return .final(.registry(host: registry, reason: "the tls certificate of \(target) is not valid for that name"))
        }
        if let connection = error as? NIOConnectionError {
            let underlying = connection.connectionErrors.first?.error
            if let io = underlying as? IOError {
                return .transient("cannot connect to \(target): \(String(cString: strerror(io.errnoCode)).lowercased())")
            }
            if connection.dnsAError != nil || connection.dnsAAAAError != nil, connection.connectionErrors.isEmpty {
                return .final(.registry(host: registry, reason: "cannot resolve \(url.host ?? target)"))
            }
            return .transient("cannot connect to \(target)")
        }
        if let io = error as? IOError {
            return .transient("talking to \(target) failed: \(String(cString: strerror(io.errnoCode)).lowercased())")
        }
        if let http = error as? HTTPClientError {
            switch http {
            case .connectTimeout, .socksHandshakeTimeout, .tlsHandshakeTimeout: return .transient("timed out connecting to \(target)")
            case .readTimeout, .deadlineExceeded: return .transient("\(target) stopped sending (timed out)")
            case .remoteConnectionClosed, .cancelled: return .transient("\(target) closed the connection early")
            default: return .final(.registry(host: registry, reason: "request to \(target) failed: \(http)"))
            }
        }
        if error is ChannelError { return .transient("the connection to \(target) failed") }
        return .final(.registry(host: registry, reason: "request to \(target) failed: \(String(describing: error).lowercased())"))
    }
}
