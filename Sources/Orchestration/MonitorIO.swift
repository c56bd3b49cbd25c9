import Foundation
import HostSystem
import Runtime

/// A detached container's standard streams and the monitor's ends of them.
///
/// stdout and stderr are FIFOs (`stdout.fifo`, `stderr.fifo`) the container holds open read-write: a
/// FIFO that still has a reader never fails a write with EPIPE/SIGPIPE, so the container survives its
/// monitor, and an adopting monitor can reopen them. stdin is /dev/null, or with `-i` a FIFO that is
/// never written (open, never at end of file, as docker keeps a detached container's stdin).
final class MonitorIO: @unchecked Sendable {
    let directory: URL
    let terminal: Bool
    private var containerSide: [Int32] = []
    private var readers: [(fd: Int32, stream: String)] = []

    /// The engine keeps the output itself (the docker backend: `docker logs`); nothing is attached.
    let engineKeepsOutput: Bool

    init(directory: URL, terminal: Bool, interactive: Bool, engineKeepsOutput: Bool = false) throws(SystemError) {
        self.directory = directory
        self.terminal = terminal
        self.engineKeepsOutput = engineKeepsOutput
        guard !terminal, !engineKeepsOutput else { return }
        let input: Int32
        if interactive {
            input = try Self.fifo(directory.appendingPathComponent("stdin.fifo").path)
        } else {
            input = try retryingOnInterrupt("open", path: "/dev/null") { open("/dev/null", O_RDONLY | O_CLOEXEC) }
        }
        containerSide.append(input)
        for stream in ["stdout", "stderr"] {
            let path = directory.appendingPathComponent("\(stream).fifo").path
            containerSide.append(try Self.fifo(path))
            readers.append((try Self.openReader(path), stream))
        }
    }

    /// How the backend wires the container.
    var containerIO: ContainerIO {
        if engineKeepsOutput { return .descriptors([]) }
        return terminal ? .terminal : .descriptors(containerSide)
    }

    /// The container holds its ends now; the monitor's copies go (so the readers see the end of file).
    func containerStarted() {
        for fd in containerSide { close(fd) }
        containerSide.removeAll()
    }

    /// Copies the container's output into its log until it ends.
    func startLogging(terminal master: Int32?) -> Logging {
        let logging = Logging(directory: directory)
        if engineKeepsOutput { return logging }
        if let master {
            logging.read(master, stream: "stdout")
        } else {
            for reader in readers { logging.read(reader.fd, stream: reader.stream) }
        }
        readers.removeAll()
        return logging
    }

    /// For an adopting monitor: reopens the FIFOs of a container that still runs.
    static func adoptLogging(directory: URL) -> Logging? {
        let logging = Logging(directory: directory)
        for stream in ["stdout", "stderr"] {
            let path = directory.appendingPathComponent("\(stream).fifo").path
            guard FileManager.default.fileExists(atPath: path), let fd = try? openReader(path) else { continue }
            logging.read(fd, stream: stream)
        }
        return logging
    }

    /// Makes a FIFO (0600) and opens it read-write for the container.
    static func fifo(_ path: String) throws(SystemError) -> Int32 {
        unlink(path)
        try retryingOnInterrupt("mkfifo", path: path) { mkfifo(path, 0o600) }
        return try retryingOnInterrupt("open", path: path) { open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW) }
    }

    /// Opens a FIFO's read end without waiting for a writer, then makes it blocking.
    static func openReader(_ path: String) throws(SystemError) -> Int32 {
        let fd = try retryingOnInterrupt("open", path: path) { open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW) }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        return fd
    }
}

/// Reader threads copying streams into a container's log.
final class Logging: @unchecked Sendable {
    private let writer: LogWriter?
    private let group = DispatchGroup()

    init(directory: URL) {
        writer = try? LogWriter(directory: directory)
    }

    /// Reads `fd` to its end (or EIO, a pty's end) into the log as `stream`.
    func read(_ fd: Int32, stream: String) {
        group.enter()
        let writer = writer
        let thread = Thread { [group] in
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                writer?.append(buffer[0..<count], stream: stream, pending: &pending)
            }
            writer?.flush(stream: stream, pending: &pending)
            close(fd)
            group.leave()
        }
        thread.start()
    }

    /// Waits until every stream has ended.
    func finish() { group.wait() }
}
