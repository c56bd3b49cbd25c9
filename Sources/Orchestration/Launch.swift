import Admission
import Foundation
import HostSystem
import Policy
import Runtime

/// One container's life on the host, for its owner (securerun in the foreground, or the monitor of a
/// detached container): claim, launch steps, backend start, wait, and tear-down on every exit path.
struct Launch: Sendable {
    let prepared: PreparedContainer
    let stateRoot: URL

    var backend: any ContainerBackend { prepared.backend }

    /// The per-container set-up, in order (torn down in reverse).
    var steps: LaunchSteps {
        LaunchSteps(steps: backend.steps(prepared.hardened, sharedRootfs: prepared.image.rootfs, imageDigest: prepared.image.manifestDigest))
    }

    /// The record a fresh claim starts with.
    func record(id: String, detached: Bool) -> ContainerRecord {
        ContainerRecord(
            id: id, name: prepared.request.containerName, image: prepared.request.image, imageDigest: prepared.image.manifestDigest,
            profile: prepared.profile.name, profileSource: prepared.profile.source.path, profileDigest: prepared.profile.textDigest,
            runtime: backend.name, request: prepared.request, verdict: prepared.verdict, admittedAt: Clock.now(), detached: detached,
            ownerPID: getpid(), ownerStartTime: ProcessStat.read(getpid())?.startTime ?? "0", initPID: nil, status: .created,
            created: Clock.now(), started: nil, finished: nil, exitCode: nil, notes: [])
    }

    /// Claims the container (its name too) and records it.
    func claim(detached: Bool) throws(OrchestrationError) -> ContainerClaim {
        // The container's image marker now shows the image in use, so `image rm` may look.
        defer { prepared.imageHold?.release() }
        return try ContainerClaim.claim(name: prepared.request.containerName, stateRoot: stateRoot, imageDigest: prepared.image.manifestDigest) { id in
            record(id: id, detached: detached)
        }
    }

    /// Sets the steps up and starts the container; on failure everything made so far is torn down (the
    /// claim stays with the caller, who removes it). Published ports are bound before the container
    /// starts (a port in use refuses the start); the caller stops the proxy when the container ends.
    func start(_ claim: ContainerClaim, io: ContainerIO) throws -> (StartedContainer, PortProxy?) {
        let place = claim.place
        try AtomicFile.write(
            Array(try Audit.encoder.encode(prepared.hardened)), to: place.directory.appendingPathComponent("spec.json").path, durable: false)
        PhaseTimer.mark("claimed")
        let plan = try steps.setUp(place)
        PhaseTimer.mark("steps set up")
        for warning in plan.warnings { FileHandle.standardError.write(Data("securerun: warning: \(warning)\n".utf8)) }
        let launch = Self.backendLaunch(prepared, place: place, plan: plan)
        var proxy: PortProxy?
        do {
            if let network = plan.network {
                proxy = try PortProxy.start(network.ports, target: network.containerAddress)
            }
            let started = try backend.run(launch, io: io)
            PhaseTimer.mark("runtime started the container")
            try RecordFile(directory: place.directory).update {
                $0.status = prepared.request.createOnly ? .created : .running
                $0.initPID = started.pid
                $0.started = Clock.now()
                $0.notes += plan.warnings
            }
            return (started, proxy)
        } catch {
            proxy?.stop()
            backend.delete(id: place.id)
            _ = steps.tearDown(place)
            throw error
        }
    }

    /// After the container ended (or failed to start): the backend's container, the steps' leftovers,
    /// then either the whole directory and name (`remove`) or everything but the record and log.
    /// Problems are returned, never hidden; a directory with a mount left in it is kept.
    func finish(_ claim: ContainerClaim, exit: ExitStatus?, remove: Bool, note: String? = nil) -> [String] {
        Self.finish(place: claim.place, backend: backend, exit: exit, remove: remove, note: note, name: prepared.request.containerName)
    }

    static func finish(
        place: ContainerPlace, backend: (any ContainerBackend)?, exit: ExitStatus?, remove: Bool, note: String?, name: String?
    ) -> [String] {
        PhaseTimer.mark("container ended")
        backend?.delete(id: place.id)
        PhaseTimer.mark("runtime deleted it")
        var problems = LaunchSteps.sweep(place)
        PhaseTimer.mark("steps torn down")
        let layout = StateLayout(root: place.stateRoot)
        if remove {
            do {
                try ContainerMounts.releaseAndRemove(place.directory)
                if let name { layout.release(name: name, id: place.id) }
            } catch {
                problems.append(error.description)
            }
            return problems
        }
        do {
            try RecordFile(directory: place.directory).update {
                $0.status = .exited
                $0.finished = Clock.now()
                $0.exitCode = exit?.code
                $0.initPID = nil
                if let note { $0.notes.append(note) }
            }
        } catch {
            problems.append(error.description)
        }
        // What the runtime needed is gone; the record and the log stay for `ps -a` and `logs`.
        for leftover in ["bundle", "rootfs", "volumes", "layer", "upper", "work", "init.pid"] {
            let path = place.directory.appendingPathComponent(leftover).path
            if FileManager.default.fileExists(atPath: path) {
                do { try SafeRemoval.remove(path) } catch { problems.append(error.description) }
            }
        }
        return problems
    }

    /// Runs the container in the foreground: stdio relayed (a terminal of its own with `-t`), signals
    /// forwarded, and everything removed when it ends. Returns its exit status.
    func foreground() throws -> Int32 {
        try Subreaper.enable()
        let claim = try claim(detached: false)
        var problems: [String] = []
        defer {
            withExtendedLifetime(claim) {
                problems += finish(claim, exit: nil, remove: true)
                for problem in problems { FileHandle.standardError.write(Data("securerun: \(problem)\n".utf8)) }
            }
        }
        let forwarder = SignalForwarder()
        defer { forwarder.stop() }
        var proxy: PortProxy?
        defer { proxy?.stop() }
        if prepared.request.allocatesTerminal {
            let (started, ports) = try start(claim, io: .terminal)
            proxy = ports
            guard let master = started.terminal else { return 125 }
            let relay = TerminalRelay(
                master: master, interactive: prepared.request.keepsStdinOpen, pending: started.relay?.pending ?? [], resize: started.resize)
            defer { relay.restore() }
            forward(forwarder, started)
            let status = backend.wait(started)
            forwarder.containerEnded()
            relay.finish()
            if started.relay == nil { close(master) }
            return status.code
        }
        let stdio = try ContainerStdio(interactive: prepared.request.keepsStdinOpen)
        let started: StartedContainer
        do {
            (started, proxy) = try start(claim, io: .descriptors(stdio.containerSide))
        } catch let error as RuntimeError {
            let text = stdio.runtimeReturned(started: false)
            if case .runtimeFailed(let name, let verb, let message) = error, message.hasPrefix("exited with status"),
                let line = OCIRuntime.plainMessage(text)
            {
                throw RuntimeError.runtimeFailed(runtime: name, verb: verb, message: line)
            }
            throw error
        }
        _ = stdio.runtimeReturned(started: true)
        forward(forwarder, started)
        let status = backend.wait(started)
        forwarder.containerEnded()
        stdio.drain()
        return status.code
    }

    /// Forwards signals to the container's init: directly to its pid (runc), or through the backend.
    func forward(_ forwarder: SignalForwarder, _ started: StartedContainer) {
        if let pid = started.pid {
            forwarder.forward(to: pid)
        } else {
            let backend = backend
            let id = started.id
            forwarder.forward { signal in try? backend.kill(id: id, signal: signal) }
        }
    }

    /// What the backend is handed for `prepared` at `place` once the steps made `plan` (and what `--dry-run`
    /// renders, with the plan previewed).
    static func backendLaunch(_ prepared: PreparedContainer, place: ContainerPlace, plan: LaunchPlan) -> BackendLaunch {
        var launch = BackendLaunch(
            place: place, spec: prepared.hardened, plan: plan, sharedRootfs: prepared.image.rootfs, terminal: prepared.request.allocatesTerminal,
            imageDigest: prepared.image.manifestDigest, interactive: prepared.request.keepsStdinOpen)
        launch.name = prepared.request.containerName
        launch.startNow = !prepared.request.createOnly
        launch.labels = Dictionary(prepared.request.labels.map { ($0.value.key, $0.value.value) }, uniquingKeysWith: { $1 })
        return launch
    }
}
