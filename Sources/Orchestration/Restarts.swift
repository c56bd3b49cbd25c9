import Foundation
import HostSystem
import Policy
import Runtime

/// A detached runc or crun container's restart policy, kept by its monitor: after each end, whether it
/// comes back (``RestartPolicy/restarts(after:restarts:stoppedByUser:)``), docker's back-off, then the
/// whole start decision again (``Readmission``: the image must still be admitted, the profile must still
/// allow the request and give the same spec) before the same claim is set up and started once more. A
/// refused restart leaves the container exited, with the reason in its record (`ps`), its notes
/// (`inspect`) and its log (`logs`).
enum Restarts {
    /// A container started again: what the monitor waits on next.
    struct Run {
        var launch: Launch
        var io: MonitorIO
        var started: StartedContainer
        var proxy: PortProxy?
    }

    /// After the run that ended with `exitCode` (already recorded and torn down, the claim kept) after
    /// `ranFor` seconds: the next run, or nil when the container stays down (policy, stop, refusal).
    static func again(
        claim: ContainerClaim, policy: RestartPolicy, exitCode: Int32?, ranFor: Double, backoff: inout RestartBackoff, stateRoot: URL
    ) -> Run? {
        let file = RecordFile(directory: claim.place.directory)
        guard
            let record = try? file.update({
                $0.exits = Array(
                    (($0.exits ?? []) + [ContainerRecord.Exit(exitCode: exitCode, finished: $0.finished ?? Clock.now())]).suffix(ContainerRecord.maxExits))
            }),
            policy.restarts(after: exitCode, restarts: record.restartCount ?? 0, stoppedByUser: record.stoppedByUser ?? false)
        else { return nil }
        let delay = backoff.next(ranFor: ranFor)
        let waiting = try? file.update {
            guard $0.stoppedByUser != true else { return }
            $0.status = .restarting
        }
        guard waiting?.status == .restarting else { return nil }
        // The back-off, watching for `securerun stop`, which keeps it down.
        let deadline = Date().addingTimeInterval(delay)
        while Date() < deadline {
            usleep(UInt32(min(0.05, max(0, deadline.timeIntervalSinceNow)) * 1e6))
            if (try? file.read())?.stoppedByUser == true { return settle(file, refused: nil, message: nil) }
        }
        return start(claim: claim, record: record, verb: "restart", restored: false, stateRoot: stateRoot)
    }

    /// The start decision again for the container `claim` holds (ended, torn down, its record kept), then
    /// its launch: the next run, or nil (recorded, and written to its log) when the decision refuses it or
    /// it cannot start. `restored` is a start by `securerun restore` after the host started, which does
    /// not count as a restart and ends an explicit stop.
    static func start(claim: ContainerClaim, record: ContainerRecord, verb: String, restored: Bool, stateRoot: URL) -> Run? {
        let file = RecordFile(directory: claim.place.directory)
        let prepared: PreparedContainer
        do {
            prepared = try Readmission.prepare(record, stateRoot: stateRoot, verb: verb, dryRun: false)
        } catch {
            return settle(file, refused: shortReason(error), message: "\(verb) refused: \(error)", log: claim.place.directory)
        }
        defer { prepared.imageHold?.release() }
        let launch = Launch(prepared: prepared, stateRoot: stateRoot)
        do {
            let io = try MonitorIO(directory: claim.place.directory, terminal: record.request.allocatesTerminal, interactive: record.request.keepsStdinOpen)
            let (started, proxy) = try launch.start(claim, io: io.containerIO)
            io.containerStarted()
            let now = Clock.now()
            let updated = try? file.update {
                if restored {
                    $0.stoppedByUser = nil
                    $0.notes.append("\(now): brought back by securerun restore")
                } else {
                    $0.restartCount = ($0.restartCount ?? 0) + 1
                }
                $0.verdict = prepared.verdict
                $0.admittedAt = now
                $0.restartRefused = nil
                $0.exitCode = nil
                $0.finished = nil
            }
            // A stop that came while it was being started: it finds it running and stops it, or finds it
            // restarting and waits; either way it must end.
            if !restored, updated?.stoppedByUser == true { try? launch.backend.kill(id: claim.place.id, signal: SIGKILL) }
            return Run(launch: launch, io: io, started: started, proxy: proxy)
        } catch {
            _ = launch.finish(claim, exit: nil, remove: false)
            return settle(file, refused: "start failed", message: "\(verb) failed: \(error)", log: claim.place.directory)
        }
    }

    /// Leaves the container exited; with `refused`, says why its policy did not bring it back.
    static func settle(_ file: RecordFile, refused: String?, message: String?, log directory: URL? = nil) -> Run? {
        _ = try? file.update {
            $0.status = .exited
            $0.restartRefused = refused
            if let message { $0.notes.append("\(Clock.now()): \(message)") }
        }
        if let message, let directory, let writer = try? LogWriter(directory: directory) {
            var pending: [UInt8] = []
            writer.append(ArraySlice(Array("securerun: \(message)\n".utf8)), stream: "stderr", pending: &pending)
        }
        return nil
    }

    /// A few words for `ps`: why the start decision refused the restart.
    static func shortReason(_ error: any Error) -> String {
        if case OrchestrationError.notAdmitted = error { return "image no longer admitted" }
        if let refusal = error as? Refusal { return "\(refusal.rule.id) \(refusal.rule.name)" }
        if let policy = error as? PolicyError, let rule = policy.rule { return "\(rule.id) \(rule.name)" }
        return "start refused"
    }
}
