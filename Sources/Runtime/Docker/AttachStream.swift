import Dispatch
import Foundation
import HostSystem

/// A hijacked attach (or exec start) connection: the container's streams over the engine's socket.
/// Without a terminal the engine multiplexes stdout and stderr in frames (`[stream, 0, 0, 0, size
/// big-endian]` then the bytes); with one it is the raw terminal.
public final class AttachStream: @unchecked Sendable {
    let connection: EngineConnection
    let terminal: Bool
    /// Stream bytes the engine sent together with the response head.
    public let pending: [UInt8]
    private let done = DispatchGroup()

    /// The socket (a terminal's "master" for the docker backend).
    public var fd: Int32 { connection.fd }

    init(connection: EngineConnection, terminal: Bool, pending: [UInt8]) {
        self.connection = connection
        self.terminal = terminal
        self.pending = pending
    }

    /// Attaches to a created container before it starts, so no output is missed.
    static func open(engine: DockerEngine, id: String, terminal: Bool, interactive: Bool) throws(RuntimeError) -> AttachStream {
        let connection = try EngineConnection(socketPath: engine.socket)
        let query = "stream=1&stdout=1&stderr=1\(interactive ? "&stdin=1" : "")"
        let reply = try connection.hijack("POST", DockerEngine.version + "/containers/\(id)/attach?\(query)")
        guard reply.status < 300 else {
            throw .engineFailed(verb: "attach", message: DockerEngine.message(reply.errorBody) ?? "status \(reply.status)")
        }
        return AttachStream(connection: connection, terminal: terminal, pending: reply.pending)
    }

    /// Starts an exec and returns its stream.
    static func openExec(engine: DockerEngine, execID: String, body: some Encodable, terminal: Bool) throws(RuntimeError) -> AttachStream {
        let connection = try EngineConnection(socketPath: engine.socket)
        let bytes: [UInt8]
        do {
            bytes = Array(try JSONEncoder().encode(body))
        } catch {
            throw .engineFailed(verb: "exec", message: "\(error)")
        }
        let reply = try connection.hijack("POST", DockerEngine.version + "/exec/\(execID)/start", body: bytes)
        guard reply.status < 300 else {
            throw .engineFailed(verb: "exec", message: DockerEngine.message(reply.errorBody) ?? "status \(reply.status)")
        }
        return AttachStream(connection: connection, terminal: terminal, pending: reply.pending)
    }

    /// Copies the container's output to `stdout`/`stderr` (demultiplexed) and `stdin` into it; at the end
    /// of `stdin` the socket's write side is shut so the container sees end of file.
    func relay(stdin: Int32?, stdout: Int32, stderr: Int32) {
        let socket = fd
        let out = dup(stdout)
        let err = dup(stderr)
        done.enter()
        let reader = Thread { [self] in
            var demux = FrameReader(terminal: terminal)
            demux.feed(pending, stdout: out, stderr: err)
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                demux.feed(chunk[0..<count], stdout: out, stderr: err)
            }
            close(out)
            close(err)
            done.leave()
        }
        reader.start()
        if let stdin {
            let input = dup(stdin)
            let writer = Thread {
                var chunk = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    var offset = 0
                    while offset < count {
                        let written = chunk[offset..<count].withUnsafeBytes { write(socket, $0.baseAddress, $0.count) }
                        if written < 0 && errno == EINTR { continue }
                        if written <= 0 { break }
                        offset += written
                    }
                }
                close(input)
                shutdown(socket, Int32(SHUT_WR))
            }
            writer.start()
        } else {
            shutdown(socket, Int32(SHUT_WR))
        }
    }

    /// Waits until the output side has ended (only after `relay`).
    func finish() { done.wait() }
}

/// The engine's stream framing.
struct FrameReader {
    let terminal: Bool
    var buffer: [UInt8] = []

    mutating func feed(_ bytes: some Collection<UInt8>, stdout: Int32, stderr: Int32) {
        frames(bytes) { stream, payload in Self.write(payload, to: stream == 2 ? stderr : stdout) }
    }

    /// Hands each complete frame's payload to `emit` with its stream (1 stdout, 2 stderr); with a
    /// terminal, every byte as stdout.
    mutating func frames(_ bytes: some Collection<UInt8>, emit: (UInt8, [UInt8]) -> Void) {
        if terminal {
            emit(1, Array(bytes))
            return
        }
        buffer.append(contentsOf: bytes)
        var start = 0
        while buffer.count - start >= 8 {
            let size = Int(buffer[start + 4]) << 24 | Int(buffer[start + 5]) << 16 | Int(buffer[start + 6]) << 8 | Int(buffer[start + 7])
            guard buffer.count - start >= 8 + size else { break }
            emit(buffer[start], Array(buffer[(start + 8)..<(start + 8 + size)]))
            start += 8 + size
        }
        buffer.removeSubrange(0..<start)
    }

    static func write(_ bytes: [UInt8], to fd: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
