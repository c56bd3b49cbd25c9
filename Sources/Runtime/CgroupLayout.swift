import Foundation
import HostSystem

/// How this host mounts cgroups: v1, v2 (unified), or v1 with a v2 hierarchy beside it (hybrid).
public enum CgroupLayout: String, Sendable {
    case v1, unified, hybrid

    /// Reads the layout from /sys/fs/cgroup (a cgroup2 mount there means unified; a v2 mount at
    /// /sys/fs/cgroup/unified beside v1 controllers means hybrid).
    public static func current(root: String = "/sys/fs/cgroup") -> CgroupLayout {
        if FileManager.default.fileExists(atPath: root + "/cgroup.controllers") { return .unified }
        if FileManager.default.fileExists(atPath: root + "/unified/cgroup.controllers") { return .hybrid }
        return .v1
    }

    /// crun 1.8 refuses hybrid hosts ("cgroups in hybrid mode not supported"); say so before it fails midway.
    public var crunIncompatibility: String? {
        self == .hybrid ? "crun does not support this host's hybrid cgroup layout (cgroup v1 controllers with a v2 hierarchy at /sys/fs/cgroup/unified)" : nil
    }

    /// The directories a container's cgroup occupies, so cleanup can check none remain.
    public func directories(forCgroupsPath cgroupsPath: String, root: String = "/sys/fs/cgroup") -> [String] {
        switch self {
        case .unified:
            return [root + cgroupsPath]
        case .v1, .hybrid:
            let controllers = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
            return controllers.sorted().map { "\(root)/\($0)\(cgroupsPath)" }
        }
    }

    /// Removes any of the container's cgroup directories the runtime left behind. Processes still in
    /// them (a container whose runtime was killed part-way through starting it) are SIGKILLed first: they
    /// belong to a container nobody owns any more.
    public func removeLeftovers(cgroupsPath: String, root: String = "/sys/fs/cgroup") {
        Self.remove(directories(forCgroupsPath: cgroupsPath, root: root))
    }

    /// Removes these cgroup directories, SIGKILLing whatever is still in them first.
    public static func remove(_ directories: [String]) {
        let existing = directories.filter { FileManager.default.fileExists(atPath: $0) }
        guard !existing.isEmpty else { return }
        for attempt in 0..<50 {
            let pids = Set(existing.flatMap { Self.processes(in: $0) })
            if pids.isEmpty { break }
            // Never securerun itself (a monitor's log reader visits a container's CPU cgroup).
            for pid in pids where pid != getpid() { kill(pid, SIGKILL) }
            if attempt > 0 { usleep(20_000) }
        }
        for dir in existing { rmdir(dir) }
    }

    /// The pids listed in a cgroup's `cgroup.procs`.
    static func processes(in directory: String) -> [pid_t] {
        guard let text = try? FileContents.text(directory + "/cgroup.procs") else { return [] }
        return text.split(separator: "\n").compactMap { pid_t($0) }.filter { $0 > 0 }
    }
}
