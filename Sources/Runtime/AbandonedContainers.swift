import Foundation

/// Finds containers whose securerun process died without cleaning up (killed with SIGKILL, a crash,
/// a reboot) and removes them: the runtime's container (killed), its cgroup, its mounts and its state
/// directory (kept if a mount will not go away).
///
/// Each running container records its owner in `<root>/containers/<id>/owner` as `PID STARTTIME`
/// (start time from /proc, so a reused pid is not mistaken for the owner).
public enum AbandonedContainers {
    /// `PID STARTTIME` of the calling process.
    public static func ownerRecord() -> String {
        "\(getpid()) \(startTime(of: getpid()) ?? "0")"
    }

    /// Removes every abandoned container under `stateRoot`; returns their ids.
    @discardableResult
    public static func sweep(stateRoot: URL) -> [String] {
        let containers = stateRoot.appendingPathComponent("containers", isDirectory: true)
        guard let ids = try? FileManager.default.contentsOfDirectory(atPath: containers.path), !ids.isEmpty else { return [] }
        var removed: [String] = []
        for id in ids.sorted() {
            let directory = containers.appendingPathComponent(id, isDirectory: true)
            guard isAbandoned(directory) else { continue }
            for kind in OCIRuntime.Kind.allCases {
                let stateDirectory = ContainerLauncher.runtimeStateDirectory(stateRoot: stateRoot, kind: kind)
                if let runtime = try? OCIRuntime(kind: kind, stateDirectory: stateDirectory), runtime.hasState(id: id) {
                    runtime.forceDelete(id: id)
                }
            }
            CgroupLayout.current().removeLeftovers(cgroupsPath: SpecBuilder.cgroupsPath(id))
            // Its root overlay and pinned volumes are still mounted: removing first would delete host files.
            guard (try? ContainerMounts.releaseAndRemove(directory)) != nil else { continue }
            removed.append(id)
        }
        return removed
    }

    /// A container directory is abandoned when its owner record names a process that is gone. A
    /// directory without a record is being set up right now (the record is written first) unless it is
    /// older than a minute.
    static func isAbandoned(_ directory: URL) -> Bool {
        let ownerFile = directory.appendingPathComponent("owner")
        guard let text = try? String(contentsOf: ownerFile, encoding: .utf8) else {
            let modified = (try? FileManager.default.attributesOfItem(atPath: directory.path)[.modificationDate]) as? Date
            return modified.map { Date().timeIntervalSince($0) > 60 } ?? false
        }
        let fields = text.split(separator: " ").map(String.init)
        guard fields.count == 2, let pid = pid_t(fields[0]) else { return true }
        // Gone, a zombie nobody reaped, or a new process that reused the pid: the owner is dead.
        guard let stat = processStat(pid), stat.state != "Z" else { return true }
        return stat.startTime != fields[1]
    }

    /// Field 22 of /proc/PID/stat: the process start time in clock ticks since boot.
    static func startTime(of pid: pid_t) -> String? { processStat(pid)?.startTime }

    /// State (field 3) and start time (field 22) from /proc/PID/stat.
    static func processStat(_ pid: pid_t) -> (state: String, startTime: String)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may contain spaces and parentheses) start at field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? (String(fields[0]), String(fields[19])) : nil
    }
}
