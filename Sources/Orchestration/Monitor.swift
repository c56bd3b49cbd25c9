import CHostSystem
import Foundation
import HostSystem
import Policy
import Runtime
import StrictJSON

/// The per-container process of a detached container (podman's conmon is the model): securerun itself,
/// re-executed as `securerun __monitor`. It owns the container's claim, its stdio and log, waits for its
/// exit, records the status, and tears it down (removing it with `--rm`). It lives in a session of its
/// own, so the terminal and the command that started it can go away.
///
/// The container's stdout and stderr are FIFOs in its directory, opened read-write for the container: a
/// FIFO with a reader never fails a write, so if the monitor is killed the container keeps running, and
/// the monitor that the next command's sweep starts (`--adopt`) reopens them and goes on logging.
public enum Monitor {
    /// What `run -d` hands its monitor, as JSON on stdin.
    struct Order: Codable {
        var request: RunRequest
        var profileName: String?
        var runtime: String
    }

    /// What the monitor reports back, one JSON line on stdout, then it closes stdout.
    struct Report: Codable {
        var id: String?
        var error: String?
        var code: Int32?
    }

    // MARK: - Starting one (the `run -d` side)

    /// Starts a monitor for a new detached container and waits until it reports: returns the container's id.
    static func spawnStarter(_ order: Order, stateRoot: URL) throws -> String {
        let input = try PipePair()
        let output = try PipePair()
        let pid: pid_t
        do {
            pid = try ChildProcess.spawn(
                "/proc/self/exe", ["__monitor"], stdio: [input.read, output.write, nil], environment: monitorEnvironment(stateRoot), deathSignal: 0)
        } catch {
            input.closeBoth()
            output.closeBoth()
            throw OrchestrationError.monitorFailed("cannot start it: \(error)")
        }
        close(input.read)
        close(output.write)
        let encoder = JSONEncoder()
        let data = try encoder.encode(order)
        let bytes = Array(data)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(input.write, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { break }
            offset += written
        }
        close(input.write)
        let reply = (try? FileContents.read(fd: output.read, path: "monitor", limit: 1 << 20)) ?? []
        close(output.read)
        guard let report = try? StrictJSONDecoder().decode(Report.self, from: reply) else {
            let status = ChildProcess.wait(pid)
            throw OrchestrationError.monitorFailed("it ended (status \(status.code)) before reporting")
        }
        if let id = report.id { return id }
        _ = ChildProcess.wait(pid)
        throw MonitorRefusal(message: report.error ?? "it reported no container", code: report.code ?? 125)
    }

    /// Starts a monitor that adopts the running container `id` whose monitor died.
    static func spawnAdopter(id: String, stateRoot: URL) throws {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }
        _ = try ChildProcess.spawn(
            "/proc/self/exe", ["__monitor", "--adopt", id], stdio: [null, null, null], environment: monitorEnvironment(stateRoot), deathSignal: 0)
    }

    static func monitorEnvironment(_ stateRoot: URL) -> [String] {
        var environment = ProcessInfo.processInfo.environment
        environment["SECURERUN_ROOT"] = stateRoot.path
        return environment.map { "\($0.key)=\($0.value)" }.sorted()
    }

    // MARK: - Being one

    /// The monitor's whole life; returns its exit status (nobody waits for it, but tests can).
    public static func main(stateRoot: URL, adopt: String?, restore: String? = nil) -> Int32 {
        if let id = adopt { return adoptMain(id: id, stateRoot: stateRoot) }
        if let id = restore { return restoreMain(id: id, stateRoot: stateRoot) }
        let orderBytes = (try? FileContents.read(fd: 0, path: "stdin", limit: 16 << 20)) ?? []
        _ = sr_detach_session()
        // Nothing of the starter's: not its terminal, not its working directory (which could pin a mount).
        _ = chdir("/")
        redirect(0)
        let order: Order
        do {
            order = try StrictJSONDecoder().decode(Order.self, from: orderBytes)
        } catch {
            report(Report(id: nil, error: "unreadable order: \(error)", code: 125))
            return 125
        }
        let start = ContainerStart(request: order.request, profileName: order.profileName, runtime: order.runtime, dryRun: false, stateRoot: stateRoot)
        // A second early: the engine replays its events from then, so none between create and following is missed.
        let since = Int64(Date().timeIntervalSince1970) - 1
        let launch: Launch
        let claim: ContainerClaim
        let io: MonitorIO
        let started: StartedContainer
        let proxy: PortProxy?
        do {
            let prepared = try start.prepare()
            try Subreaper.enable()
            launch = Launch(prepared: prepared, stateRoot: stateRoot)
            claim = try launch.claim(detached: true)
            do {
                io = try MonitorIO(
                    directory: claim.place.directory, terminal: order.request.allocatesTerminal, interactive: order.request.keepsStdinOpen,
                    engineKeepsOutput: prepared.kind.engineKeepsOutput)
                (started, proxy) = try launch.start(claim, io: io.containerIO)
            } catch {
                _ = launch.finish(claim, exit: nil, remove: true)
                throw error
            }
        } catch {
            report(Report(id: nil, error: String(describing: error), code: ExitCodes.code(for: error)))
            return ExitCodes.code(for: error)
        }
        io.containerStarted()
        report(Report(id: claim.place.id, error: nil, code: nil))
        redirect(1)
        redirect(2)
        if let kept = launch.backend as? any KeepsStoppedContainers {
            follow(kept, place: claim.place, since: since, removesOnExit: order.request.removesOnExit)
            proxy?.stop()
            _ = withExtendedLifetime(claim) { launch.finish(claim, exit: nil, remove: true) }
            return 0
        }
        return keep(Restarts.Run(launch: launch, io: io, started: started, proxy: proxy), claim: claim, request: order.request, stateRoot: stateRoot)
    }

    /// Logs and waits for the container's run, records its end and tears it down; under a restart policy
    /// (runc, crun) starts it again as ``Restarts`` decides, until it stays down.
    static func keep(_ first: Restarts.Run, claim: ContainerClaim, request: RunRequest, stateRoot: URL) -> Int32 {
        var run = first
        var backoff = RestartBackoff()
        while true {
            let began = Date()
            let hardened = run.launch.prepared.hardened
            let logging = run.io.startLogging(
                terminal: run.started.terminal,
                charge: Logging.Charge(cgroupsPath: claim.place.cgroupsPath, cpus: Double(hardened.cpuQuota) / Double(max(hardened.cpuPeriod, 1))),
                maxBytesPerPart: Int(run.launch.prepared.profile.logMaxSize.bytes / 2))
            let health = HealthCheck.resolve(request, image: run.launch.prepared.image.config).map {
                HealthMonitor(check: $0, place: claim.place, backend: run.launch.backend)
            }
            health?.start()
            let status = run.launch.backend.wait(run.started)
            health?.stop()
            run.proxy?.stop()
            logging.finish()
            // --health-on-failure: stop keeps it down whatever its policy; restart brings it back whatever its policy.
            let unhealthy = health?.action
            let policy = unhealthy == .restart ? RestartPolicy.always : request.restart?.value ?? .no
            guard policy.kind != nil, unhealthy != .stop, !request.removesOnExit else {
                _ = withExtendedLifetime(claim) { run.launch.finish(claim, exit: status, remove: request.removesOnExit) }
                return 0
            }
            _ = run.launch.finish(claim, exit: status, remove: false)
            let ranFor = Date().timeIntervalSince(began)
            guard let next = Restarts.again(claim: claim, policy: policy, exitCode: status.code, ranFor: ranFor, backoff: &backoff, stateRoot: stateRoot)
            else { return 0 }
            run = next
        }
    }

    /// Adopts a running container whose monitor died: takes its claim, logs its FIFOs, waits for its end.
    static func adoptMain(id: String, stateRoot: URL) -> Int32 {
        _ = sr_detach_session()
        _ = chdir("/")
        let directory = StateLayout(root: stateRoot).directory(of: id)
        // The sweeper that started this monitor lets go of the claim right after: wait for that, briefly.
        var taken: ContainerClaim?
        for _ in 0..<40 {
            taken = ContainerClaim.takeOver(directory, stateRoot: stateRoot)
            if taken != nil || !FileManager.default.fileExists(atPath: directory.path) { break }
            usleep(50_000)
        }
        guard let claim = taken else { return 0 }
        let file = RecordFile(directory: directory)
        guard let runtime = try? file.read()?.runtime, let backend = Backends.named(runtime, stateRoot: stateRoot) else { return 125 }
        let kept = backend as? any KeepsStoppedContainers
        guard
            let record = try? file.update({
                $0.ownerPID = getpid()
                $0.ownerStartTime = ProcessStat.read(getpid())?.startTime ?? "0"
                // The engine keeps exit codes: only a container securerun waits for itself loses its own.
                $0.notes.append("\(Clock.now()): its monitor died; a new one took over\(kept == nil ? " (the exit code will be unknown)" : "")")
            })
        else { return 125 }
        // Its published ports died with the old monitor: serve them again.
        let network = NetworkRecords(stateRoot: stateRoot).read(id)
        let proxy = network.flatMap { try? PortProxy.start($0.ports, target: $0.containerAddress) }
        defer { proxy?.stop() }
        if let kept {
            follow(kept, place: claim.place, since: Int64(Date().timeIntervalSince1970) - 1, removesOnExit: record.request.removesOnExit)
            proxy?.stop()
            _ = withExtendedLifetime(claim) {
                Launch.finish(place: claim.place, backend: backend, exit: nil, remove: true, note: nil, name: record.name)
            }
            return 0
        }
        let logging = MonitorIO.adoptLogging(directory: directory, charge: adoptedCharge(claim.place))
        // Its init is not our child, so its exit status cannot be had; a pidfd says when it ends without
        // polling the runtime. A record without the init's pid falls back to asking the runtime each second.
        while (try? backend.state(id: id)) == .running {
            if let pid = record.initPID {
                if sr_wait_for_exit(pid, -1) != 0 { break }
            } else {
                sleep(1)
            }
        }
        logging?.finish()
        proxy?.stop()
        _ = withExtendedLifetime(claim) {
            Launch.finish(
                place: claim.place, backend: backend, exit: nil, remove: record.request.removesOnExit,
                note: "the exit code is unknown: its first monitor died while it ran", name: record.name)
        }
        // Its restart policy goes on with the new monitor (an unknown end counts as a failure).
        guard let policy = record.request.restart?.value, policy.kind != nil, !record.request.removesOnExit else { return 0 }
        var backoff = RestartBackoff()
        guard let next = Restarts.again(claim: claim, policy: policy, exitCode: nil, ranFor: 0, backoff: &backoff, stateRoot: stateRoot) else { return 0 }
        return keep(next, claim: claim, request: record.request, stateRoot: stateRoot)
    }

    /// Brings back an ended container whose restart policy says it runs after the host started (`securerun
    /// restore`): takes its claim, takes the start decision again and keeps it as `run -d`'s monitor does.
    static func restoreMain(id: String, stateRoot: URL) -> Int32 {
        _ = sr_detach_session()
        _ = chdir("/")
        let directory = StateLayout(root: stateRoot).directory(of: id)
        guard let claim = ContainerClaim.takeOver(directory, stateRoot: stateRoot), (try? Subreaper.enable()) != nil,
            let record = try? RecordFile(directory: directory).read(), record.status == .exited
        else { return 125 }
        _ = try? RecordFile(directory: directory).update {
            $0.ownerPID = getpid()
            $0.ownerStartTime = ProcessStat.read(getpid())?.startTime ?? "0"
        }
        guard let run = Restarts.start(claim: claim, record: record, verb: "restore", restored: true, stateRoot: stateRoot) else { return 125 }
        return keep(run, claim: claim, request: record.request, stateRoot: stateRoot)
    }

    /// Starts a monitor that brings back the ended container `id` (see ``restoreMain(id:stateRoot:)``).
    static func spawnRestorer(id: String, stateRoot: URL) throws -> pid_t {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }
        return try ChildProcess.spawn(
            "/proc/self/exe", ["__monitor", "--restore", id], stdio: [null, null, null], environment: monitorEnvironment(stateRoot), deathSignal: 0)
    }

    /// The CPU charge of a container a monitor adopts: its cgroup, and its CPU limit from the spec it
    /// started with (one CPU when that cannot be read).
    static func adoptedCharge(_ place: ContainerPlace) -> Logging.Charge {
        var cpus = 1.0
        if let bytes = try? FileContents.read(place.directory.appendingPathComponent("spec.json").path, limit: 16 << 20),
            let spec = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let quota = (spec["cpuQuota"] as? NSNumber)?.doubleValue, let period = (spec["cpuPeriod"] as? NSNumber)?.doubleValue, quota > 0, period > 0
        {
            cpus = quota / period
        }
        return Logging.Charge(cgroupsPath: place.cgroupsPath, cpus: cpus)
    }

    // MARK: - Following a container its engine keeps

    /// Follows a container the engine keeps (the docker backend) for as long as the engine has it: each
    /// start and exit goes into its record, whoever caused it (securerun, `docker start` or `docker stop`,
    /// the engine), so `ps`, `stop`, `wait` and `audit` see what the engine runs. Returns once the engine
    /// removed it (`securerun rm`, `docker rm`) or, with `--rm`, once it ended; the caller tears down.
    static func follow(_ backend: any KeepsStoppedContainers, place: ContainerPlace, since: Int64, removesOnExit: Bool) {
        let file = RecordFile(directory: place.directory)
        var since = since
        var pause: UInt32 = 1
        while true {
            var ended = false
            do {
                try backend.follow(id: place.id, since: since) { change in
                    pause = 1
                    ended = !record(change, in: file, removesOnExit: removesOnExit)
                    return !ended
                }
            } catch {
                // Not answering: asked again below, after a pause.
            }
            if ended { return }
            // The stream ended (the engine restarted) or could not be had: follow again, after a pause.
            sleep(pause)
            pause = min(pause * 2, 30)
            since = Int64(Date().timeIntervalSince1970) - 1
        }
    }

    /// Puts `change` into the record; false when following should stop (removed, or ended with `--rm`).
    /// The engine replays events from a second early, so a change the record already shows is skipped.
    static func record(_ change: EngineChange, in file: RecordFile, removesOnExit: Bool) -> Bool {
        switch change {
        case .removed:
            return false
        case .started:
            _ = try? file.update {
                guard $0.status != .running else { return }
                $0.status = .running
                $0.started = Clock.now()
                $0.finished = nil
                $0.exitCode = nil
            }
            return true
        case .exited(let code):
            _ = try? file.update {
                guard $0.status != .exited else { return }
                $0.status = .exited
                $0.finished = Clock.now()
                $0.exitCode = code
                $0.initPID = nil
            }
            return !removesOnExit
        }
    }

    static func report(_ report: Report) {
        guard let data = try? JSONEncoder().encode(report) else { return }
        let bytes = Array(data) + [UInt8(ascii: "\n")]
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }

    /// Points descriptor `fd` at /dev/null (the monitor keeps nothing of its starter's terminal).
    static func redirect(_ fd: Int32) {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard null >= 0 else { return }
        dup2(null, fd)
        close(null)
    }
}

/// What the monitor of a detached container reported for the command that started it: its error's text
/// (a ``Refusal`` or policy refusal keeps its rule id there) and the exit code that error gave.
struct MonitorRefusal: Error, CustomStringConvertible {
    let message: String
    let code: Int32
    var description: String { message }
}

/// The exit codes securerun gives errors, as docker run does: 127 not found, 126 not executable, else 125.
public enum ExitCodes {
    /// The code for `error`.
    public static func code(for error: any Error) -> Int32 {
        if let error = error as? OrchestrationError {
            switch error {
            case .commandNotFound: return 127
            case .commandNotExecutable: return 126
            default: return 125
            }
        }
        if let refusal = error as? MonitorRefusal { return refusal.code }
        if let refusal = error as? Refusal { return refusal.exitCode }
        return 125
    }
}
