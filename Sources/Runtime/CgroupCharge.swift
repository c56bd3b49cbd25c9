import Foundation
import Glibc

extension CgroupLayout {
    /// Moves the calling thread into the CPU controller's cgroup of the container at `cgroupsPath`, so the
    /// CPU it uses from now on (copying the container's output into its log) counts against the
    /// container's own CPU limit. Only cgroup v1 controllers move single threads (writing 0 to `tasks`
    /// moves the writer, cgroups(7)); v2 keeps a process's threads together, so on a unified host nothing
    /// moves and false is returned. Only the cpu and cpuacct controllers are joined: the thread's memory
    /// and task count stay securerun's, and freezing the container never stops its log.
    ///
    /// The thread must have ended before the container's cgroups are removed (their removal kills what
    /// is still in them).
    public func chargeCurrentThread(toContainerAt cgroupsPath: String, root: String = "/sys/fs/cgroup") -> Bool {
        guard self != .unified, cgroupsPath.hasPrefix("/"), !cgroupsPath.split(separator: "/").contains("..") else { return false }
        var joined: Set<String> = []
        for controller in ["cpu", "cpuacct", "cpu,cpuacct"] {
            let tasks = "\(root)/\(controller)\(cgroupsPath)/tasks"
            // `cpu` and `cpuacct` are often links to one `cpu,cpuacct` hierarchy: join each hierarchy once.
            guard let real = realpath(tasks, nil) else { continue }
            let path = String(cString: real)
            free(real)
            guard !joined.contains(path) else { continue }
            let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            let written = write(fd, "0", 1)
            close(fd)
            if written == 1 { joined.insert(path) }
        }
        return !joined.isEmpty
    }
}
