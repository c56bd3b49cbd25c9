import Foundation
import HostSystem

/// The container's standard streams. The container only ever holds descriptors securerun made: /dev/null
/// for stdin unless `-i`, and pipes for stdout and stderr that securerun relays to its own. So a container
/// never holds the caller's terminal (no TIOCSTI injection, no terminal ioctls) or the caller's output
/// files (which it could otherwise reopen through /proc/self/fd).
///
/// The runtime writes its own errors to the same stderr before the container starts, so stderr is held
/// back until the runtime says the container started: then it flows; on a failure it is the runtime's text.
public final class ContainerStdio: @unchecked Sendable {
    /// Descriptors for the runtime to pass to the container as 0, 1, 2.
    public let containerSide: [Int32]
    private let stdoutRelay: Relay
    private let stderrGate: GatedCopy
    private var closables: [Int32]

    /// Streams for one container; with `interactive`, the caller's stdin reaches the container, relayed
    /// through a pipe.
    public init(interactive: Bool) throws(RuntimeError) {
        do {
            var toClose: [Int32] = []
            let input: Int32
            if !interactive {
                input = try retryingOnInterrupt("open", path: "/dev/null") { open("/dev/null", O_RDONLY | O_CLOEXEC) }
                toClose.append(input)
            } else {
                // Always through a pipe securerun made: runc fchowns the container's stdio to the container
                // user, so a host file passed as it is (`< FILE`) would become the container's to rewrite
                // through /proc/self/fd/0, and a terminal could be driven with TIOCSTI.
                let pipe = try PipePair()
                Relay.copy(from: 0, to: pipe.write) { close(pipe.write) }
                input = pipe.read
                toClose.append(pipe.read)
            }
            let out = try PipePair()
            let err = try PipePair()
            stdoutRelay = Relay.copy(from: out.read, to: 1) { close(out.read) }
            stderrGate = GatedCopy(from: err.read, to: 2)
            containerSide = [input, out.write, err.write]
            closables = toClose + [out.write, err.write]
        } catch {
            throw .stateFailure(path: "stdio", reason: error.description)
        }
    }

    /// Call once the runtime has returned: closes securerun's copies of the container's ends. After a
    /// start, the held-back stderr flows; after a failure, returns what the runtime wrote there.
    public func runtimeReturned(started: Bool) -> String {
        for fd in closables { close(fd) }
        closables.removeAll()
        if started {
            stderrGate.open()
            return ""
        }
        return String(decoding: stderrGate.held(), as: UTF8.self)
    }

    /// Waits until everything the container wrote has been relayed (its processes have all exited).
    public func drain() {
        stdoutRelay.wait()
        stderrGate.wait()
    }
}

/// Copies a pipe to a descriptor, holding everything back in memory until `open()`.
final class GatedCopy: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer: [UInt8] = []
    private var isOpen = false
    private var finished = false
    private let destination: Int32

    init(from source: Int32, to destination: Int32) {
        self.destination = destination
        let thread = Foundation.Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                condition.lock()
                if isOpen {
                    condition.unlock()
                    write(chunk[0..<count])
                } else {
                    // Held back at most 1 MiB: the runtime's error is a line or two.
                    if buffer.count < 1 << 20 { buffer.append(contentsOf: chunk[0..<count]) }
                    condition.unlock()
                }
            }
            close(source)
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.start()
    }

    /// Flushes what was held and lets the rest flow.
    func open() {
        condition.lock()
        let pending = buffer
        buffer.removeAll()
        // Written under the lock so nothing the reader gets next can overtake it.
        write(pending[...])
        isOpen = true
        condition.unlock()
    }

    /// Waits for EOF and returns what was held back.
    func held() -> [UInt8] {
        condition.lock()
        while !finished { condition.wait() }
        defer { condition.unlock() }
        return buffer
    }

    /// Waits for EOF.
    func wait() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func write(_ bytes: ArraySlice<UInt8>) {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(destination, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
