import CHostSystem
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// A close-on-exec pipe; each end is closed explicitly by whoever owns it.
public struct PipePair: Sendable {
    /// The read end.
    public let read: Int32
    /// The write end.
    public let write: Int32

    /// A new pipe.
    public init() throws(SystemError) {
        var fds: [Int32] = [0, 0]
        try retryingOnInterrupt("pipe2", path: "pipe") { sr_pipe_cloexec(&fds) }
        read = fds[0]
        write = fds[1]
    }

    /// Closes the write end (the reader then sees EOF once every other copy is closed).
    public func closeWrite() { close(write) }

    /// Closes both ends.
    public func closeBoth() {
        close(read)
        close(write)
    }
}

/// Copies bytes between descriptors on a background thread.
public final class Relay: @unchecked Sendable {
    private let group = DispatchGroup()
    private let lock = PThreadMutex()
    private var collected: [UInt8] = []

    private init() {}

    /// Copies `source` to `destination` until EOF (or a write error), then calls `done`.
    @discardableResult
    public static func copy(from source: Int32, to destination: Int32, done: @escaping @Sendable () -> Void = {}) -> Relay {
        let relay = Relay()
        relay.group.enter()
        Thread.detach {
            defer {
                done()
                relay.group.leave()
            }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(source, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return }
                var offset = 0
                while offset < count {
                    let written = buffer[offset..<count].withUnsafeBytes { Glibc.write(destination, $0.baseAddress, $0.count) }
                    if written < 0 && errno == EINTR { continue }
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
        return relay
    }

    /// Reads `source` to EOF into memory (at most `limit` bytes kept).
    public static func collect(from source: Int32, limit: Int) -> Relay {
        let relay = Relay()
        relay.group.enter()
        Thread.detach {
            defer { relay.group.leave() }
            var buffer = [UInt8](repeating: 0, count: 16_384)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(source, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return }
                relay.lock.withLock {
                    if relay.collected.count < limit { relay.collected.append(contentsOf: buffer[0..<min(count, limit - relay.collected.count)]) }
                }
            }
        }
        return relay
    }

    /// Waits until the copy has finished; returns what `collect` gathered.
    @discardableResult
    public func wait() -> [UInt8] {
        group.wait()
        return lock.withLock { collected }
    }
}

/// A pthread mutex, so this leaf module needs no Foundation.
final class PThreadMutex: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}

/// A detached POSIX thread running a closure (Dispatch's pool may be busy with blocking reads already).
enum Thread {
    static func detach(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { pointer in
                guard let pointer else { return nil }
                let box = Unmanaged<Box>.fromOpaque(pointer).takeRetainedValue()
                box.body()
                return nil
            }, box)
        if rc == 0 {
            pthread_detach(thread)
        } else {
            // No thread: run it here rather than lose the copy.
            Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
        }
    }
}
