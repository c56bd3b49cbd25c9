import CHostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// How a process ended, in the shell's convention.
public enum ExitStatus: Sendable, Equatable {
    /// exit(code).
    case exited(Int32)
    /// Killed by a signal.
    case signaled(Int32)

    /// From a waitpid(2) status word.
    public init(waitStatus status: Int32) {
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    /// The code a shell (and docker) reports: the exit code, or 128+N for signal N.
    public var code: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }
}

/// Starts programs with posix_spawn and waits for them.
///
/// Foundation's `Process` closes every possible descriptor (up to RLIMIT_NOFILE) in the child, one
/// syscall each, and cannot reset signal dispositions. posix_spawn does both in one call; every descriptor
/// above 2 is closed in the child, so nothing securerun holds open (a lock, a state directory) leaks.
public enum ChildProcess {
    /// Spawns `path` with `arguments`. `stdio` gives the descriptors the child gets as 0, 1 and 2 (nil
    /// inherits ours); every signal is back at its default action and unblocked in the child, and every
    /// other descriptor is closed. The child is SIGKILLed if the calling thread dies first (PR_SET_PDEATHSIG),
    /// so a runtime never outlives a securerun killed while waiting for it; `deathSignal` 0 turns that off
    /// (a monitor must outlive the command that started it).
    public static func spawn(
        _ path: String, _ arguments: [String], stdio: [Int32?] = [nil, nil, nil], environment: [String]? = nil, deathSignal: Int32 = SIGKILL
    ) throws(SystemError) -> pid_t {
        let argv = ([path] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        let envp = (environment ?? currentEnvironment()).map { strdup($0) }
        defer { envp.forEach { free($0) } }
        var terminated = argv + [nil]
        var environmentBlock = envp + [nil]
        let fds: [Int32] = (0..<3).map { index in index < stdio.count ? stdio[index] ?? -1 : -1 }
        let pid = terminated.withUnsafeMutableBufferPointer { buffer -> Int32 in
            environmentBlock.withUnsafeMutableBufferPointer { envBuffer -> Int32 in
                guard let base = buffer.baseAddress, let envBase = envBuffer.baseAddress else { return -1 }
                return sr_spawn(path, base, envBase, fds, deathSignal)
            }
        }
        guard pid > 0 else { throw .last("spawn", path: path) }
        return pid
    }

    /// This process's environment as `KEY=VALUE` strings.
    static func currentEnvironment() -> [String] {
        var result: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            result.append(String(cString: entry))
            pointer += 1
        }
        return result
    }

    /// Waits for `pid` and returns how it ended.
    public static func wait(_ pid: pid_t) -> ExitStatus {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return .signaled(SIGKILL) }
        }
        return ExitStatus(waitStatus: status)
    }

    /// Runs `path` to completion with stdout and stderr captured (stdin /dev/null); returns the status
    /// and what it printed (each stream bounded to `limit` bytes).
    public static func capture(_ path: String, _ arguments: [String], limit: Int = 1 << 20) throws(SystemError) -> (
        status: ExitStatus, stdout: [UInt8], stderr: [UInt8]
    ) {
        let null = try retryingOnInterrupt("open", path: "/dev/null") { open("/dev/null", O_RDWR | O_CLOEXEC) }
        defer { close(null) }
        let out = try PipePair()
        let err = try PipePair()
        let pid: pid_t
        do {
            pid = try spawn(path, arguments, stdio: [null, out.write, err.write])
        } catch {
            out.closeBoth()
            err.closeBoth()
            throw error
        }
        out.closeWrite()
        err.closeWrite()
        let errReader = Relay.collect(from: err.read, limit: limit)
        let stdout = (try? FileContents.read(fd: out.read, path: path, limit: limit)) ?? []
        close(out.read)
        let stderr = errReader.wait()
        close(err.read)
        return (wait(pid), stdout, stderr)
    }
}

/// Makes this process a child subreaper: orphaned descendants (a container's init once `runc run -d`
/// has exited) are re-parented to it, so it can wait for them and learn their exit status.
public enum Subreaper {
    /// Turns it on for this process.
    public static func enable() throws(SystemError) {
        try retryingOnInterrupt("prctl(PR_SET_CHILD_SUBREAPER)", path: "self") { sr_set_child_subreaper() }
    }
}
