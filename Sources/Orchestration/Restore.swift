import Foundation
import HostSystem
import Policy
import Runtime

/// `securerun restore`: after the host started (securerun-restore.service), brings back the detached
/// containers whose restart policy says they run (`always`; `unless-stopped` unless `securerun stop`
/// stopped it) and whose monitor is gone, each through the whole start decision again, by a new monitor
/// that then keeps the policy. Named containers are brought back whatever their policy (a unit of the
/// user's own, `securerun generate systemd`). What died with the host is settled by the sweep first.
public enum Restore {
    /// What happened to one container.
    public struct Outcome: Sendable, Equatable {
        /// Its name or short id.
        public var name: String
        /// Nil when it runs again; else why not.
        public var problem: String?
    }

    /// Restores under `stateRoot`; `names` limits it to those containers (and ignores their policy).
    /// Returns the sweep's messages and one outcome per container it tried.
    public static func run(stateRoot: URL, names: [String] = []) throws -> (messages: [String], outcomes: [Outcome]) {
        let messages = Sweep.run(stateRoot: stateRoot).messages
        let containers = Containers(stateRoot: stateRoot)
        var chosen: [ContainerView] = []
        if names.isEmpty {
            // Oldest first, as they were started.
            chosen = containers.list().reversed().filter { view in
                guard let record = view.record, let policy = record.request.restart?.value else { return false }
                return policy.restoresAtBoot(stoppedByUser: record.stoppedByUser ?? false)
            }
        } else {
            chosen = try names.map { (name) throws(OrchestrationError) in try containers.find(name) }
        }
        var outcomes: [Outcome] = []
        for view in chosen {
            guard let record = view.record else { continue }
            if let problem = restorable(record, view: view, stateRoot: stateRoot) {
                // Already running, or looked after, is what was asked for when no name was given.
                if !names.isEmpty || problem != alreadyRunning { outcomes.append(Outcome(name: record.displayName, problem: problem)) }
                continue
            }
            outcomes.append(Outcome(name: record.displayName, problem: restore(record, directory: view.directory, stateRoot: stateRoot)))
        }
        return (messages, outcomes)
    }

    static let alreadyRunning = "it runs already (its monitor looks after it)"

    /// Why `record` cannot be brought back, or nil.
    static func restorable(_ record: ContainerRecord, view: ContainerView, stateRoot: URL) -> String? {
        if view.owned || record.status != .exited { return alreadyRunning }
        guard record.detached else { return "it ran in the foreground; run it again" }
        guard let kind = BackendKind(rawValue: record.runtime), !kind.keepsCreatedContainers else {
            return "its engine keeps it; start it with securerun docker start"
        }
        if record.request.removesOnExit { return "it was run with --rm" }
        return nil
    }

    /// Starts its monitor and waits (up to a minute) until the container runs or the decision refused it.
    static func restore(_ record: ContainerRecord, directory: URL, stateRoot: URL) -> String? {
        let monitor: pid_t
        do {
            monitor = try Monitor.spawnRestorer(id: record.id, stateRoot: stateRoot)
        } catch {
            return "no monitor could be started: \(error)"
        }
        let file = RecordFile(directory: directory)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            usleep(50_000)
            guard let now = try? file.read() else { return "its record is gone" }
            if now.status != .exited { return nil }
            // Its monitor ended without starting it: the decision refused it (its record says why).
            var status: Int32 = 0
            if waitpid(monitor, &status, WNOHANG) == monitor {
                let latest = (try? file.read()) ?? now
                if latest.status != .exited { return nil }
                return latest.ownerPID == record.ownerPID ? "its monitor could not take it over" : latest.notes.last ?? "it was not started"
            }
        }
        return "it did not start within a minute"
    }
}
