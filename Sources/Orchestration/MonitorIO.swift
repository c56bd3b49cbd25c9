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

    /// Copies the container's output into its log until it ends, charged to the container (see ``Logging``).
    func startLogging(terminal master: Int32?, charge: Logging.Charge? = nil, maxBytesPerPart: Int? = nil) -> Logging {
        let logging = Logging(directory: directory, charge: charge, maxBytesPerPart: maxBytesPerPart)
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
    static func adoptLogging(directory: URL, charge: Logging.Charge? = nil) -> Logging? {
        let logging = Logging(directory: directory, charge: charge)
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
///
/// Copying is work done on the container's behalf, and a container printing empty lines makes much of it
/// for little of its own CPU: each reader moves itself into the container's CPU cgroup (cgroup v1 moves
/// single threads), so the container and its log copying share its CPU limit, and back out before it ends. Where the thread cannot
/// move (cgroup v2), it keeps its own CPU time within the container's CPU limit by pausing, so the
/// container waits on a full pipe instead.
final class Logging: @unchecked Sendable {
    /// The container whose CPU limit the copying counts against.
    struct Charge: Sendable {
        /// Its cgroups path (`/securerun/<root>-<id>`).
        var cgroupsPath: String
        /// Its CPU limit in CPUs (quota / period).
        var cpus: Double
    }

    private let writer: LogWriter?
    private let group = DispatchGroup()
    private let charge: Charge?
    private let layout = CgroupLayout.current()

    init(directory: URL, charge: Charge? = nil, maxBytesPerPart: Int? = nil) {
        writer = try? LogWriter(directory: directory, maxBytes: maxBytesPerPart)
        self.charge = charge
    }

    /// Reads `fd` to its end (or EIO, a pty's end) into the log as `stream`.
    func read(_ fd: Int32, stream: String) {
        group.enter()
        let writer = writer
        let charge = charge
        let layout = layout
        let thread = Thread { [group] in
            var budget: CPUBudget?
            var charged: ThreadCharge?
            if let charge {
                charged = layout.chargeCurrentThread(toContainerAt: charge.cgroupsPath)
                if charged == nil { budget = CPUBudget(cpus: charge.cpus) }
            }
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                writer?.append(buffer[0..<count], stream: stream, pending: &pending)
                budget?.spend()
            }
            writer?.flush(stream: stream, pending: &pending)
            close(fd)
            // Out of the container's cgroup before saying it is done: the cgroup's removal follows.
            charged?.release()
            group.leave()
        }
        thread.start()
    }

    /// Waits until every stream has ended.
    func finish() { group.wait() }
}

/// Keeps the calling thread's CPU time within `cpus` of the time that passes, pausing when it is ahead;
/// measured over windows of a second, so time spent idle is not saved up for a burst.
struct CPUBudget {
    let cpus: Double
    private var window: (wall: Double, cpu: Double)

    init(cpus: Double) {
        self.cpus = max(cpus, 0.01)
        window = (Self.clock(CLOCK_MONOTONIC), Self.clock(CLOCK_THREAD_CPUTIME_ID))
    }

    mutating func spend() {
        let cpu = Self.clock(CLOCK_THREAD_CPUTIME_ID)
        let wall = Self.clock(CLOCK_MONOTONIC)
        let ahead = (cpu - window.cpu) / cpus - (wall - window.wall)
        if ahead > 0.001 { usleep(UInt32(min(ahead, 1) * 1e6)) }
        if wall - window.wall >= 1 { window = (Self.clock(CLOCK_MONOTONIC), Self.clock(CLOCK_THREAD_CPUTIME_ID)) }
    }

    static func clock(_ id: clockid_t) -> Double {
        var now = timespec()
        clock_gettime(id, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
