import Foundation
import HostSystem
import Runtime

/// stop, kill, rm and wait: each by name or id, each a clean outcome or one error, never touching
/// another container's state.
public struct Lifecycle: Sendable {
    /// The state root.
    public let stateRoot: URL

    /// Container verbs under `stateRoot`.
    public init(stateRoot: URL) {
        self.stateRoot = stateRoot
    }

    var containers: Containers { Containers(stateRoot: stateRoot) }

    /// Sends `signal` (default: the container's `--stop-signal`, else SIGTERM), waits up to `timeout` seconds
    /// (default: its `--stop-timeout`, else 10; -1 waits for ever) for the container to end, then SIGKILLs it
    /// and waits for its owner to record the end. Returns its name; one that is not running is a clean
    /// outcome (as with docker).
    public func stop(_ reference: String, timeout: Int? = nil, signal: Int32? = nil) throws -> String {
        let view = try containers.find(reference)
        guard var record = view.record else { throw OrchestrationError.corruptRecord(path: view.directory.path, reason: view.problem ?? "") }
        if record.request.restart?.value.kind != nil {
            // Stopped by its user: its restart policy does not bring it back (nor, for unless-stopped, a
            // reboot). Its monitor reads this before each restart, and during the back-off.
            let file = RecordFile(directory: view.directory)
            record = try file.update { $0.stoppedByUser = true } ?? record
            let deadline = Date().addingTimeInterval(30)
            while record.status == .restarting, Date() < deadline {
                usleep(50_000)
                guard let now = try file.read() else { return record.displayName }
                record = now
            }
        }
        let backend = try containers.backend(record)
        // A record can lag behind (its monitor died between start and update): the runtime decides.
        guard record.status == .running || (record.status == .created && (try? backend.state(id: record.id)) == .running) else {
            return record.displayName
        }
        let seconds = timeout ?? record.request.stopTimeout?.value ?? 10
        try? backend.kill(id: record.id, signal: signal ?? record.request.stopSignal?.value.number ?? SIGTERM)
        if waitForEnd(record.id, seconds: seconds < 0 ? .infinity : Double(seconds)) { return record.displayName }
        try? backend.kill(id: record.id, signal: SIGKILL)
        _ = waitForEnd(record.id, seconds: 30)
        return record.displayName
    }

    /// Sends `signal` to the container's init.
    public func kill(_ reference: String, signal: Int32) throws -> String {
        let view = try containers.find(reference)
        guard let record = view.record, record.status != .exited else { throw OrchestrationError.notRunning(reference) }
        let backend = try containers.backend(record)
        guard record.status == .running || (try? backend.state(id: record.id)) == .running else { throw OrchestrationError.notRunning(reference) }
        try backend.kill(id: record.id, signal: signal)
        return record.displayName
    }

    /// Removes a container that has ended (or, on an engine that keeps them, was only created); with
    /// `force`, kills a running one first.
    public func remove(_ reference: String, force: Bool) throws -> String {
        let view = try containers.find(reference)
        let backend = view.record.flatMap { Backends.named($0.runtime, stateRoot: stateRoot) }
        let kept = backend as? any KeepsStoppedContainers
        if let record = view.record, record.status == .running || record.status == .restarting, record.request.restart?.value.kind != nil {
            guard force else { throw OrchestrationError.running(record.displayName) }
            // Its monitor must not start it again while it is being removed.
            _ = try? RecordFile(directory: view.directory).update { $0.stoppedByUser = true }
        }
        if let record = view.record,
            record.status == .running || (record.status == .created && (kept == nil || (try? backend?.state(id: record.id)) == .running))
        {
            guard force else { throw OrchestrationError.running(record.displayName) }
            let backend = try containers.backend(record)
            try? backend.kill(id: record.id, signal: SIGKILL)
            _ = waitForEnd(record.id, seconds: 30)
        }
        // Its monitor follows a container the engine keeps until the engine removes it, then tears it down.
        if let kept { kept.delete(id: view.id) }
        // Its owner may still be tearing down: wait for the lock, then remove what is left.
        let directory = view.directory
        var claim: ContainerClaim?
        var unlocked = 0
        for _ in 0..<600 {
            guard FileManager.default.fileExists(atPath: directory.path) else { return view.record?.displayName ?? view.id }
            claim = ContainerClaim.takeOver(directory, stateRoot: stateRoot)
            if claim != nil { break }
            // No lock file: its owner or another rm is removing the directory right now (the monitor of a
            // container its engine kept does so because this rm removed it there): give that a moment.
            if !FileManager.default.fileExists(atPath: directory.appendingPathComponent(ContainerClaim.lockName).path) {
                unlocked += 1
                if unlocked > 40 { break }
            }
            usleep(50_000)
        }
        guard let claim else {
            // Another rm got there first and is removing it: that is the outcome asked for.
            if !FileManager.default.fileExists(atPath: directory.path) { return view.record?.displayName ?? view.id }
            throw OrchestrationError.stateFailure(path: directory.path, reason: "its owner still holds it; try again once it has stopped")
        }
        Sweep.killRuntimes(claim.place)
        let problems = withExtendedLifetime(claim) {
            Launch.finish(place: claim.place, backend: backend, exit: nil, remove: true, note: nil, name: view.record?.name)
        }
        if let problem = problems.first { throw OrchestrationError.stateFailure(path: directory.path, reason: problem) }
        return view.record?.displayName ?? view.id
    }

    /// Blocks until the container ends and returns its exit code (nil when unknown).
    public func wait(_ reference: String) throws -> Int32? {
        let view = try containers.find(reference)
        guard let record = view.record else { throw OrchestrationError.corruptRecord(path: view.directory.path, reason: view.problem ?? "") }
        _ = waitForEnd(record.id, seconds: .infinity)
        let ended = try? RecordFile(directory: view.directory).read()
        return ended?.exitCode
    }

    /// Waits until the container's record says it ended, its directory is gone (a foreground or `--rm`
    /// container), or its owner died (then the sweep settles it). True when it ended in time.
    func waitForEnd(_ id: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        let directory = StateLayout(root: stateRoot).directory(of: id)
        var kept: (any KeepsStoppedContainers)?
        while true {
            guard FileManager.default.fileExists(atPath: directory.path) else { return true }
            let record = try? RecordFile(directory: directory).read()
            if let record, record.status == .exited {
                // An engine that keeps containers may run one again before its monitor says so (`docker
                // start`, or a new monitor still catching up): ended is what the engine says, too.
                if kept == nil { kept = Backends.named(record.runtime, stateRoot: stateRoot) as? any KeepsStoppedContainers }
                guard let kept, let state = try? kept.state(id: id), state == .running || state == .paused else { return true }
            }
            // Its owner died: the sweep tears it down, or has a new monitor adopt it if it still runs.
            if !Containers.isOwned(directory) { Sweep.run(stateRoot: stateRoot) }
            if Date() >= deadline { return false }
            usleep(50_000)
        }
    }
}
