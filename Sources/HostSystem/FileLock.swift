#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive flock(2) on a file, held until the value is released. The kernel drops it when the holder
/// dies (SIGKILL included), so "can I take the lock?" is how a sweeper tells a dead owner from a live one
/// without trusting pids that may have been reused. The descriptor is close-on-exec: children never hold it.
public final class FileLock: @unchecked Sendable {
    /// The open lock file.
    public let fd: Int32
    /// Its path.
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Waits for the lock on `path` (created 0600 if missing).
    public static func acquire(_ path: String) throws(SystemError) -> FileLock {
        guard let lock = try lock(path, blocking: true) else { throw SystemError("flock", path: path, errno: EWOULDBLOCK) }
        return lock
    }

    /// Takes the lock on `path` if nobody holds it; nil when somebody does. With `create` false a missing
    /// file throws ENOENT instead of being created.
    public static func tryAcquire(_ path: String, create: Bool = true) throws(SystemError) -> FileLock? {
        try lock(path, blocking: false, create: create)
    }

    private static func lock(_ path: String, blocking: Bool, create: Bool = true) throws(SystemError) -> FileLock? {
        let flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0)
        let fd = try retryingOnInterrupt("open", path: path) { open(path, flags, 0o600) }
        do {
            try retryingOnInterrupt("flock", path: path) { flock(fd, LOCK_EX | (blocking ? 0 : LOCK_NB)) }
        } catch {
            close(fd)
            if error.errno == EWOULDBLOCK { return nil }
            throw error
        }
        return FileLock(fd: fd, path: path)
    }
}
