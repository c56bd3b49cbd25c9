import Foundation
import HostSystem

/// Finds containers whose securerun process died without cleaning up (SIGKILL, a crash, a reboot) and
/// removes them: the runtime's container (killed), every step's leftovers (mounts, cgroup), and the state
/// directory (kept, with a warning, if something in it is still mounted).
///
/// A container is abandoned when its `lock` can be taken: its owner holds it for life and the kernel
/// drops it when the owner dies. Directories made by an earlier securerun (no lock file) are judged by
/// their `owner` record (`PID STARTTIME`).
public enum AbandonedContainers {
    /// Removes every abandoned container under `stateRoot`; returns their ids and any problems met.
    @discardableResult
    public static func sweep(stateRoot: URL) -> (removed: [String], problems: [String]) {
        let containers = ContainerClaim.containersDirectory(stateRoot: stateRoot)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: containers.path), !names.isEmpty else { return ([], []) }
        var removed: [String] = []
        var problems: [String] = []
        for name in names.sorted() {
            let directory = containers.appendingPathComponent(name, isDirectory: true)
            if name.hasPrefix(ContainerClaim.claimPrefix) {
                // A claim its maker never finished (nothing is mounted in it yet). A young one may be being
                // filled right now, before its lock is even taken: leave it for a minute.
                guard isOld(directory) else { continue }
                let claim = ContainerClaim.takeOver(directory, stateRoot: stateRoot)
                let unlocked = claim != nil || !FileManager.default.fileExists(atPath: directory.appendingPathComponent(ContainerClaim.lockName).path)
                if unlocked, (try? SafeRemoval.remove(directory.path)) != nil { removed.append(name) }
                continue
            }
            let claim: ContainerClaim?
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(ContainerClaim.lockName).path) {
                guard let taken = ContainerClaim.takeOver(directory, stateRoot: stateRoot) else { continue }
                claim = taken
            } else {
                guard ownerIsGone(directory) else { continue }
                claim = nil
            }
            let place = claim?.place ?? ContainerPlace(id: name, directory: directory, stateRoot: stateRoot)
            let found = withExtendedLifetime(claim) { remove(place) }
            if found.isEmpty { removed.append(name) } else { problems += found }
        }
        return (removed, problems)
    }

    /// Tears an abandoned container down; returns what could not be removed.
    static func remove(_ place: ContainerPlace) -> [String] {
        for kind in OCIRuntime.Kind.allCases {
            let stateDirectory = ContainerLauncher.runtimeStateDirectory(stateRoot: place.stateRoot, kind: kind)
            if let runtime = try? OCIRuntime(kind: kind, stateDirectory: stateDirectory), runtime.hasState(id: place.id) {
                runtime.forceDelete(id: place.id)
            }
            // A runtime killed part-way may leave state its own delete cannot read.
            let leftover = stateDirectory.appendingPathComponent(place.id).path
            if FileManager.default.fileExists(atPath: leftover) { try? SafeRemoval.remove(leftover) }
        }
        var problems = LaunchSteps.sweep(place)
        do {
            try ContainerMounts.releaseAndRemove(place.directory)
        } catch {
            problems.append(error.description)
        }
        return problems
    }

    static func isOld(_ directory: URL) -> Bool {
        let modified = (try? FileManager.default.attributesOfItem(atPath: directory.path)[.modificationDate]) as? Date
        return modified.map { Date().timeIntervalSince($0) > 60 } ?? false
    }

    /// For directories without a lock (an earlier securerun's): the owner record names a process that is
    /// gone, a zombie, or a reused pid; no record at all counts as gone once the directory is a minute old.
    static func ownerIsGone(_ directory: URL) -> Bool {
        guard let text = try? FileContents.text(directory.appendingPathComponent("owner").path) else { return isOld(directory) }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        guard fields.count == 2, let pid = pid_t(fields[0]) else { return true }
        guard let stat = ProcessStat.read(pid), stat.state != "Z" else { return true }
        return stat.startTime != fields[1]
    }
}
