import Foundation
import Glibc
import HostSystem

/// A thread moved into a container's CPU cgroup (see ``CgroupLayout/chargeCurrentThread(toContainerAt:root:)``),
/// and the cgroups it came from.
public struct ThreadCharge: Sendable {
    /// The `tasks` files of the cgroups the thread was in before.
    let origins: [String]

    /// Moves the calling thread (the one that was charged) back where it came from. It must, before it
    /// ends: removing a container's cgroups SIGKILLs every process with a thread still in them, and a
    /// thread that has signalled its end may not have left yet.
    public func release() {
        for tasks in origins { _ = CgroupLayout.moveCurrentThread(into: tasks) }
    }
}

extension CgroupLayout {
    /// Moves the calling thread into the CPU controller's cgroup of the container at `cgroupsPath`, so the
    /// CPU it uses from now on (copying the container's output into its log) counts against the
    /// container's own CPU limit; nil when it could not move. Only cgroup v1 controllers move single
    /// threads (writing 0 to `tasks` moves the writer, cgroups(7)); v2 keeps a process's threads together,
    /// so on a unified host nothing moves. Only the cpu and cpuacct controllers are joined: the thread's
    /// memory and task count stay securerun's, and freezing the container never stops its log.
    public func chargeCurrentThread(toContainerAt cgroupsPath: String, root: String = "/sys/fs/cgroup") -> ThreadCharge? {
        guard self != .unified, cgroupsPath.hasPrefix("/"), !cgroupsPath.split(separator: "/").contains("..") else { return nil }
        // Where this thread is now, per hierarchy: `2:cpu,cpuacct:/path`.
        var current: [String: String] = [:]
        for line in ((try? FileContents.text("/proc/thread-self/cgroup")) ?? "").split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3 { current[String(fields[1])] = String(fields[2]) }
        }
        var joined: Set<String> = []
        var origins: [String] = []
        for controller in ["cpu", "cpuacct", "cpu,cpuacct"] {
            // `cpu` and `cpuacct` are often links to one `cpu,cpuacct` hierarchy: join each hierarchy once.
            guard let real = realpath("\(root)/\(controller)\(cgroupsPath)/tasks", nil) else { continue }
            let tasks = String(cString: real)
            free(real)
            let suffix = "\(cgroupsPath)/tasks"
            guard !joined.contains(tasks), tasks.hasSuffix(suffix) else { continue }
            let hierarchy = String(tasks.dropLast(suffix.count))
            guard let from = current[(hierarchy as NSString).lastPathComponent] else { continue }
            guard Self.moveCurrentThread(into: tasks) else { continue }
            joined.insert(tasks)
            origins.append(hierarchy + (from == "/" ? "" : from) + "/tasks")
        }
        return origins.isEmpty ? nil : ThreadCharge(origins: origins)
    }

    /// Writes 0 to a v1 `tasks` file: the calling thread moves into that cgroup.
    static func moveCurrentThread(into tasks: String) -> Bool {
        let fd = open(tasks, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "0", 1) == 1
    }
}
