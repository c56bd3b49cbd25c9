import Foundation
import HostSystem

/// Code in a memfd cannot be executed in a container: `vm.memfd_noexec=2` in its pid namespace, set after
/// the runtime creates the container and before its process starts. The setting belongs to the pid
/// namespace of the process that writes it, and a namespace can only raise it, so it is written by a
/// child of securerun's in the container's pid namespace, then read back there (fail closed).
/// memfds are still made (sealed non-executable), so programs that keep data in them keep working; only
/// `memfd_create(MFD_EXEC)` and executing one (`execveat`, `/proc/self/fd/N`) fail.
public enum MemfdNoexec {
    /// The host's setting, which exists on kernels with a per-pid-namespace memfd_noexec (6.3 and later).
    static let sysctl = "/proc/sys/vm/memfd_noexec"

    /// Sets it in the pid namespace of `pid` (the created container's init) and checks that it holds.
    public static func apply(pid: pid_t) throws(RuntimeError) {
        guard FileManager.default.fileExists(atPath: sysctl) else {
            throw .memfdNoexecFailed(
                reason:
                    "this kernel has no per-namespace vm.memfd_noexec (Linux 6.3 or later has it); set allowMemfdExec: true in the profile to run without it")
        }
        do {
            try PidNamespace.forbidMemfdExec(pid: pid)
        } catch {
            throw .memfdNoexecFailed(reason: error.description)
        }
    }
}
