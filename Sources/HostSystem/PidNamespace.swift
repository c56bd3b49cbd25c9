import CHostSystem
import Glibc

/// Settings that belong to a pid namespace rather than to the host.
public enum PidNamespace {
    /// Sets `vm.memfd_noexec=2` in the pid namespace of process `pid` and checks it holds there (memfds
    /// made there are sealed non-executable; `MFD_EXEC` is refused).
    public static func forbidMemfdExec(pid: pid_t) throws(SystemError) {
        guard sr_set_memfd_noexec(pid) == 0 else { throw .last("vm.memfd_noexec=2 in the pid namespace", path: "/proc/\(pid)/ns/pid") }
    }
}
