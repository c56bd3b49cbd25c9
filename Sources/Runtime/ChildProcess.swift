import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Starts the OCI runtime with posix_spawn and waits for it.
///
/// Foundation's `Process` closes every possible descriptor (up to RLIMIT_NOFILE) in the child before exec,
/// one syscall each, and it cannot reset the signal dispositions securerun changes to forward signals.
/// posix_spawn inherits only what is open and resets the signals in the same call.
enum ChildProcess {
    /// Spawns `path` with `arguments`, inheriting stdio and environment; `defaultSignals` are reset to
    /// their default action in the child and the signal mask is emptied. With `quiet`, stdout and stderr
    /// go to /dev/null.
    static func spawn(_ path: String, _ arguments: [String], defaultSignals: [Int32], quiet: Bool = false) throws(RuntimeError) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signalNumber in defaultSignals { sigaddset(&defaults, signalNumber) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if quiet {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }

        let argv = ([path] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        var terminated = argv + [nil]
        let rc = terminated.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return EINVAL }
            return posix_spawn(&pid, path, &actions, &attributes, base, environ)
        }
        guard rc == 0 else {
            throw .launchFailed(runtime: path, reason: String(cString: strerror(rc)))
        }
        return pid
    }

    /// Waits for `pid`; returns its exit status, or 128+N when signal N killed it (the shell's convention).
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return 128 + SIGKILL }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
