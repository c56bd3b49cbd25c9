import Foundation
import HostSystem
import Runtime

/// Finds containers whose owner (securerun in the foreground, or a detached container's monitor) died
/// without cleaning up (SIGKILL, a crash, a reboot) and deals with each:
///
/// - a detached container that still runs is healthy: a new monitor adopts it (never removed);
/// - anything else is torn down (the runtime's container killed, every step's leftovers removed: mounts,
///   cgroup) and its directory removed, or, for a detached container without `--rm`, kept as exited with
///   its record and log for `ps -a` and `logs`.
///
/// A container's owner holds its `lock` for life, and the kernel drops the lock when the owner dies, so
/// "can the lock be taken?" is the whole test. Directories made by an earlier securerun (no lock file) are
/// judged by their `owner` record (`PID STARTTIME`).
public enum Sweep {
    /// What one sweep did.
    public struct Outcome: Sendable {
        /// One line for each container removed, adopted or kept as exited, and each problem met.
        public var messages: [String] = []
    }

    /// Sweeps every container under `stateRoot`, then the networks no container owns any more (with
    /// `thorough`, as `securerun gc` does, also host nftables tables and docker holders).
    @discardableResult
    public static func run(stateRoot: URL, thorough: Bool = false) -> Outcome {
        var outcome = sweepContainers(stateRoot: stateRoot)
        outcome.messages += NetworkSweep.run(stateRoot: stateRoot, thorough: thorough) { id in
            networkOwned(id, stateRoot: stateRoot)
        }
        return outcome
    }

    /// Whether container `id` still owns its network: its directory exists and its owner holds it, or its
    /// record says it has not ended (a healthy detached container whose new monitor is starting).
    static func networkOwned(_ id: String, stateRoot: URL) -> Bool {
        guard !id.isEmpty, !id.contains("/"), !id.hasPrefix(".") else { return false }
        let directory = StateLayout(root: stateRoot).directory(of: id)
        guard FileManager.default.fileExists(atPath: directory.path) else { return false }
        if Containers.isOwned(directory) { return true }
        guard let record = try? RecordFile(directory: directory).read() else { return false }
        if record.status != .exited { return true }
        // A stopped container its engine keeps can be started again (`docker start`): its network stays.
        guard record.detached, !record.request.removesOnExit,
            let kept = Backends.named(record.runtime, stateRoot: stateRoot) as? any KeepsStoppedContainers
        else { return false }
        return (try? kept.state(id: id)) != nil
    }

    static func sweepContainers(stateRoot: URL) -> Outcome {
        let layout = StateLayout(root: stateRoot)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: layout.containers.path), !names.isEmpty else { return Outcome() }
        var outcome = Outcome()
        for name in names.sorted() {
            let directory = layout.containers.appendingPathComponent(name, isDirectory: true)
            if name.hasPrefix(ContainerClaim.claimPrefix) {
                sweepClaim(directory, stateRoot: stateRoot, outcome: &outcome)
            } else if FileManager.default.fileExists(atPath: directory.appendingPathComponent(ContainerClaim.lockName).path) {
                guard let claim = ContainerClaim.takeOver(directory, stateRoot: stateRoot) else { continue }
                withExtendedLifetime(claim) { sweepOrphan(claim.place, outcome: &outcome) }
            } else if ownerIsGone(directory) {
                let place = ContainerPlace(id: name, directory: directory, stateRoot: stateRoot)
                killRuntimes(place)
                let problems = Launch.finish(place: place, backend: nil, exit: nil, remove: true, note: nil, name: nil)
                outcome.messages += problems.isEmpty ? ["removed abandoned container \(name) (its securerun process is gone)"] : problems
            }
        }
        return outcome
    }

    /// A claim its maker never finished (nothing is mounted in it yet). A young one may be being filled
    /// right now, before its lock is even taken: leave it for a minute.
    static func sweepClaim(_ directory: URL, stateRoot: URL, outcome: inout Outcome) {
        guard isOld(directory) || makerIsGone(directory.lastPathComponent) else { return }
        let claim = ContainerClaim.takeOver(directory, stateRoot: stateRoot)
        let unlocked = claim != nil || !FileManager.default.fileExists(atPath: directory.appendingPathComponent(ContainerClaim.lockName).path)
        if unlocked, (try? SafeRemoval.remove(directory.path)) != nil {
            outcome.messages.append("removed unfinished container claim \(directory.lastPathComponent)")
        }
    }

    /// A container whose lock we now hold: its owner is gone.
    static func sweepOrphan(_ place: ContainerPlace, outcome: inout Outcome) {
        let file = RecordFile(directory: place.directory)
        let record: ContainerRecord?
        do {
            record = try file.read()
        } catch {
            // Unreadable: nothing of it can be trusted but its id, which names everything it could own.
            killRuntimes(place)
            outcome.messages += LaunchSteps.sweep(place)
            outcome.messages.append("container \(place.id) has an unreadable record; its mounts and runtime state were removed, the directory kept: \(error)")
            return
        }
        guard let record else {
            killRuntimes(place)
            let problems = Launch.finish(place: place, backend: nil, exit: nil, remove: true, note: nil, name: nil)
            outcome.messages += problems.isEmpty ? ["removed abandoned container \(place.id) (its securerun process is gone)"] : problems
            return
        }
        // Whether it still runs is the runtime's to say. If the runtime cannot be asked (not installed,
        // not answering), nothing is decided: a healthy container is never torn down on a guess.
        guard let backend = Backends.named(record.runtime, stateRoot: place.stateRoot) else {
            if record.status != .exited {
                outcome.messages.append("container \(record.displayName): its runtime \(record.runtime) cannot be asked whether it runs; left as it is")
            }
            return
        }
        switch record.status {
        case .restarting:
            // Its monitor died during the back-off: the container had ended and been torn down already.
            _ = try? file.update {
                $0.status = .exited
                $0.notes.append("\(Clock.now()): its monitor died before restarting it; securerun restore brings back what should run")
            }
            outcome.messages.append("container \(record.displayName) lost its monitor while waiting to restart; kept as exited")
        case .exited:
            // Already torn down by its monitor; `--rm` ones are removed once their monitor has gone.
            if record.request.removesOnExit {
                outcome.messages += Launch.finish(place: place, backend: backend, exit: nil, remove: true, note: nil, name: record.name)
            } else if record.detached, backend is any KeepsStoppedContainers, (try? backend.state(id: place.id)) != nil {
                // Its engine still keeps it (and can start it again): a new monitor follows it.
                adopt(record, place: place, outcome: &outcome)
            }
        case .created, .running:
            let state: BackendStatus?
            do {
                state = try backend.state(id: place.id)
            } catch {
                outcome.messages.append("container \(record.displayName): \(record.runtime) cannot say whether it runs (\(error)); left as it is")
                return
            }
            // An engine that keeps stopped containers keeps this one too (unless it goes with --rm).
            let kept = backend is any KeepsStoppedContainers && state != nil && !record.request.removesOnExit
            if record.detached, state == .running || kept {
                // Healthy: its monitor died, the container did not. A new monitor takes over its log and its end.
                adopt(record, place: place, outcome: &outcome)
                return
            }
            killRuntimes(place)
            let keep = record.detached && !record.request.removesOnExit
            let note = record.detached ? "its monitor died; the exit code is unknown" : "its securerun process is gone"
            let problems = Launch.finish(place: place, backend: backend, exit: nil, remove: !keep, note: note, name: record.name)
            outcome.messages += problems.isEmpty ? ["removed abandoned container \(record.displayName) (\(note))"] : problems
        }
    }

    /// Has a new monitor take over a detached container whose monitor died.
    static func adopt(_ record: ContainerRecord, place: ContainerPlace, outcome: inout Outcome) {
        do {
            try Monitor.spawnAdopter(id: place.id, stateRoot: place.stateRoot)
            outcome.messages.append("container \(record.displayName) lost its monitor; a new one looks after it")
        } catch {
            outcome.messages.append("container \(record.displayName) lost its monitor and none could be started: \(error)")
        }
    }

    /// Every runtime's container of that id (the record may name another, or none).
    static func killRuntimes(_ place: ContainerPlace) {
        let layout = StateLayout(root: place.stateRoot)
        for kind in OCIRuntime.Kind.allCases {
            let stateDirectory = layout.runtimeState(kind)
            // A runtime that cannot be run here is not asked, and its state is not touched on a guess.
            guard let runtime = try? OCIRuntime(kind: kind, stateDirectory: stateDirectory) else { continue }
            if runtime.hasState(id: place.id) { runtime.forceDelete(id: place.id) }
            // A runtime killed part-way may leave state its own delete cannot read.
            let leftover = stateDirectory.appendingPathComponent(place.id).path
            if FileManager.default.fileExists(atPath: leftover) { try? SafeRemoval.remove(leftover) }
        }
    }

    static func isOld(_ directory: URL) -> Bool {
        let modified = (try? FileManager.default.attributesOfItem(atPath: directory.path)[.modificationDate]) as? Date
        return modified.map { Date().timeIntervalSince($0) > 60 } ?? false
    }

    /// Whether the process a claim's staging name names (`.claim-<id>-<pid>-<start time>`) has gone; false
    /// for names without a maker (an earlier securerun's), which are judged by age.
    static func makerIsGone(_ name: String) -> Bool {
        let fields = name.dropFirst(ContainerClaim.claimPrefix.count).split(separator: "-").map(String.init)
        guard fields.count == 3, let pid = pid_t(fields[1]) else { return false }
        guard let stat = ProcessStat.read(pid), stat.state != "Z" else { return true }
        return stat.startTime != fields[2]
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

/// Backends by the name a record keeps.
enum Backends {
    /// The backend a record names, if it can be driven on this host.
    static func named(_ name: String, stateRoot: URL) -> (any ContainerBackend)? {
        try? BackendKind(rawValue: name)?.make(stateRoot: stateRoot)
    }
}
