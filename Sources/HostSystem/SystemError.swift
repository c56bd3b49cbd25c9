#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call: which call, on what, and errno. The one error type of the host layer; callers
/// wrap it in their own module's error and keep it as the cause.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call that failed (`openat`, `mount --rbind`, `unlinkat`).
    public var call: String
    /// The path (or other object) it was made on.
    public var path: String
    /// errno after the call.
    public var errno: Int32

    /// An error for `call` on `path` with `errno`.
    public init(_ call: String, path: String, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    /// The error for the calling thread's current errno.
    public static func last(_ call: String, path: String) -> SystemError {
        SystemError(call, path: path, errno: Glibc.errno)
    }

    /// The C library's text for the errno (`No such file or directory`).
    public var reason: String { String(cString: strerror(errno)) }

    public var description: String { "\(call) \(path): \(reason)" }
}

/// Calls `body` until it does not fail with EINTR; returns its result, or throws when it returns -1.
@discardableResult
public func retryingOnInterrupt<T: BinaryInteger>(_ call: String, path: String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let value = body()
        if value != -1 { return value }
        if errno != EINTR { throw .last(call, path: path) }
    }
}
