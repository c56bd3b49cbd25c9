import CHostSystem
import Dispatch
import Foundation
import HostSystem
import Images
import Policy
import Seccomp

/// The local Docker Engine as a backend. The hardened spec becomes a container created by image id (the
/// config digest of the admitted manifest: a tag re-pointed in the engine can never change what runs),
/// with every control of the floor in its HostConfig; what the engine cannot express refuses the start.
/// The containers appear in `docker ps`, and the docker CLI works on them.
public struct DockerBackend: KeepsStoppedContainers {
    /// The engine.
    public let engine: DockerEngine
    /// securerun's state root (its image store).
    public let stateRoot: URL

    /// A backend over the engine at `$DOCKER_HOST` (a unix socket) or /var/run/docker.sock.
    public init(stateRoot: URL) throws(RuntimeError) {
        engine = try DockerEngine()
        self.stateRoot = stateRoot
    }

    public var name: String { "docker" }

    public func steps(_ spec: HardenedSpec, sharedRootfs: URL, imageDigest: String) -> [any LaunchStep] {
        // The engine makes the root and the cgroup; securerun still pins and stages the volumes, and makes
        // the private network in a holder container before the workload exists.
        var steps: [any LaunchStep] = [VolumesStep(volumes: spec.volumes)]
        if spec.network.mode == .private {
            let holder = DockerHolder(engine: engine, stateRoot: stateRoot, spec: spec, imageDigest: imageDigest)
            steps.append(NetworkStep(spec: spec.network, namespace: .dockerHolder(holder)))
        }
        return steps
    }

    /// The engine's id (the config digest) of the admitted image `manifestDigest`, loaded from securerun's
    /// store when the engine lacks it.
    static func ensureImage(engine: DockerEngine, stateRoot: URL, manifestDigest: String) throws(RuntimeError) -> String {
        let store = ImageStore(root: stateRoot)
        guard let image = try? store.resolve(manifestDigest) else {
            throw .engineFailed(verb: "create", message: "image \(manifestDigest) is not in securerun's store")
        }
        if try !engine.hasImage(image.configDigest) {
            try engine.load(image, store: store)
        }
        return image.configDigest
    }

    /// Creates an engine container named `name` from the admitted image `manifestDigest` (loaded when the
    /// engine lacks it) with the body `body(imageID)`; returns the engine's id.
    /// `claim` is written first and removed once the engine has answered: an engine plugin reads it during
    /// the create call only, and none is left for a later create to borrow.
    static func create(
        engine: DockerEngine, stateRoot: URL, manifestDigest: String, claim: EngineClaim, id: String, verb: String,
        body: (String) throws(RuntimeError) -> some Encodable
    ) throws(RuntimeError) -> String {
        let name = claim.name
        try writeClaim(claim, stateRoot: stateRoot, id: id)
        defer { EngineClaim.remove(stateRoot: stateRoot, id: id, name: name) }
        func create(_ image: String) throws(RuntimeError) -> String {
            let response = try engine.call("POST", "/containers/create?name=\(name)", body: try body(image), verb: verb)
            return try engine.decode(CreatedContainer.self, response.body, verb: verb).Id
        }
        do {
            return try create(try ensureImage(engine: engine, stateRoot: stateRoot, manifestDigest: manifestDigest))
        } catch .engineFailed(_, let message) where message.hasPrefix("No such image") {
            // Released between the check and the create (its last other container was just removed): load it again.
            return try create(try ensureImage(engine: engine, stateRoot: stateRoot, manifestDigest: manifestDigest))
        }
    }

    /// Writes `claim` before its create, so an engine plugin reads the create as securerun's own.
    static func writeClaim(_ claim: EngineClaim, stateRoot: URL, id: String) throws(RuntimeError) {
        do { try claim.write(stateRoot: stateRoot, id: id) } catch {
            throw .stateFailure(path: error.path, reason: "cannot write the engine claim: \(error.reason)")
        }
    }

    public func waitExec(_ started: StartedContainer) -> ExitStatus { execStatus(started) }

    /// The engine's name for a securerun container: `securerun-<id>`, or its --name.
    static func engineName(_ launch: BackendLaunch) -> String { launch.name ?? "securerun-\(launch.place.id.prefix(12))" }

    public func run(_ launch: BackendLaunch, io: ContainerIO) throws(RuntimeError) -> StartedContainer {
        // The engine gives no container ids of its own; only a daemon-wide remap keeps them off host ids.
        if launch.spec.userNamespace == .required, try !engine.remapsUserIds() {
            throw .userNamespaceFailed(
                action: "run on the docker backend under userNamespace: required",
                reason:
                    "the Docker daemon does not remap user ids (no userns-remap in docker info); start dockerd with --userns-remap=default, use the runc backend, or a profile with userNamespace: preferred"
            )
        }
        let attach: Bool
        switch io {
        case .descriptors(let fds): attach = !fds.isEmpty
        case .terminal: attach = true
        }
        let claim = DockerCreate.claim(launch, name: Self.engineName(launch))
        let id = try Self.create(engine: engine, stateRoot: stateRoot, manifestDigest: launch.imageDigest, claim: claim, id: launch.place.id, verb: "create") {
            (image) throws(RuntimeError) in
            try DockerCreate(launch: launch, image: image, attach: attach, interactive: launch.interactive, ownLabels: claim.labels)
        }
        // The engine's id, for every later verb.
        try? AtomicWrite.text(id, to: launch.place.directory.appendingPathComponent("engine-id"))
        var stream: AttachStream?
        do {
            if attach {
                stream = try AttachStream.open(engine: engine, id: id, terminal: launch.terminal, interactive: launch.interactive)
            }
            if launch.startNow { try engine.call("POST", "/containers/\(id)/start", verb: "start") }
        } catch {
            _ = try? engine.removeContainer(id, verb: "rm")
            throw error
        }
        switch io {
        case .descriptors(let fds) where fds.count == 3:
            stream?.relay(stdin: launch.interactive ? fds[0] : nil, stdout: fds[1], stderr: fds[2])
            return StartedContainer(id: launch.place.id, pid: nil, terminal: nil, relay: stream)
        case .terminal:
            guard let stream else { throw .engineFailed(verb: "attach", message: "no stream") }
            let engine = engine
            return StartedContainer(
                id: launch.place.id, pid: nil, terminal: stream.fd, relay: stream,
                resize: { rows, columns in _ = try? engine.call("POST", "/containers/\(id)/resize?h=\(rows)&w=\(columns)", verb: "resize") })
        default:
            var started = StartedContainer(id: launch.place.id, pid: nil, terminal: nil)
            started.createdOnly = !launch.startNow
            return started
        }
    }

    public func wait(_ container: StartedContainer) -> ExitStatus {
        struct Waited: Decodable { var StatusCode: Int32 }
        guard let id = engineID(container.id),
            let response = try? engine.call("POST", "/containers/\(id)/wait?condition=\(container.createdOnly ? "next-exit" : "not-running")", verb: "wait"),
            let waited = try? engine.decode(Waited.self, response.body, verb: "wait")
        else { return .signaled(SIGKILL) }
        container.relay?.finish()
        let code = waited.StatusCode
        return code > 128 && code < 160 ? .signaled(code - 128) : .exited(code)
    }

    public func state(id: String) throws(RuntimeError) -> BackendStatus? {
        struct Inspect: Decodable {
            struct State: Decodable { var Status: String }
            var State: State
        }
        guard let engineID = engineID(id) else { return nil }
        let response = try engine.call("GET", "/containers/\(engineID)/json", verb: "inspect", allow: [404])
        guard response.status != 404 else { return nil }
        switch try engine.decode(Inspect.self, response.body, verb: "inspect").State.Status {
        case "created": return .created
        case "running", "restarting": return .running
        case "paused": return .paused
        default: return .stopped
        }
    }

    public func kill(id: String, signal: Int32) throws(RuntimeError) {
        guard let engineID = engineID(id) else { throw .engineFailed(verb: "kill", message: "no engine container for \(id)") }
        try engine.call("POST", "/containers/\(engineID)/kill?signal=\(signal)", verb: "kill")
    }

    public func delete(id: String) {
        guard let engineID = engineID(id) else { return }
        if (try? engine.removeContainer(engineID, verb: "rm")) == false {
            // Removed in the engine already (`docker rm`): its image is still securerun's to release.
            let marker = StateRoot(stateRoot).container(id).appendingPathComponent("image").path
            if let digest = try? FileContents.text(marker, limit: 256).trimmingCharacters(in: .whitespacesAndNewlines),
                let image = try? ImageStore(root: stateRoot).resolve(digest)
            {
                engine.releaseLoaded(image.configDigest)
            }
        }
    }

    public func exec(_ place: ContainerPlace, _ process: ExecProcess, io: ContainerIO) throws(RuntimeError) -> StartedContainer {
        guard let engineID = engineID(place.id) else { throw .engineFailed(verb: "exec", message: "no engine container for \(place.id)") }
        struct Create: Encodable {
            var AttachStdin: Bool
            var AttachStdout = true
            var AttachStderr = true
            var Tty: Bool
            var Cmd: [String]
            var Env: [String]
            var User: String
            var WorkingDir: String
            var Privileged = false
        }
        let interactive: Bool
        if case .descriptors(let fds) = io { interactive = fds.first.map { $0 >= 0 } ?? false } else { interactive = true }
        struct Created: Decodable { var Id: String }
        let body = Create(
            AttachStdin: interactive, Tty: process.terminal, Cmd: process.args, Env: process.env, User: "\(process.user.uid):\(process.user.gid)",
            WorkingDir: process.cwd)
        let execID = try engine.decode(
            Created.self, try engine.call("POST", "/containers/\(engineID)/exec", body: body, verb: "exec").body, verb: "exec"
        ).Id
        struct Start: Encodable {
            var Detach = false
            var Tty: Bool
        }
        let stream = try AttachStream.openExec(engine: engine, execID: execID, body: Start(Tty: process.terminal), terminal: process.terminal)
        switch io {
        case .descriptors(let fds) where fds.count == 3:
            stream.relay(stdin: fds[0] >= 0 ? fds[0] : nil, stdout: fds[1], stderr: fds[2])
            return StartedContainer(id: execID, pid: nil, terminal: nil, relay: stream, execOf: engineID)
        default:
            let engine = engine
            return StartedContainer(
                id: execID, pid: nil, terminal: stream.fd, relay: stream, execOf: engineID,
                resize: { rows, columns in _ = try? engine.call("POST", "/exec/\(execID)/resize?h=\(rows)&w=\(columns)", verb: "resize") })
        }
    }

    /// The exit status of an exec started with `exec`, once its stream has ended.
    public func execStatus(_ started: StartedContainer) -> ExitStatus {
        struct Inspect: Decodable {
            var ExitCode: Int32?
            var Running: Bool
        }
        started.relay?.finish()
        for _ in 0..<100 {
            if let response = try? engine.call("GET", "/exec/\(started.id)/json", verb: "exec inspect"),
                let inspect = try? engine.decode(Inspect.self, response.body, verb: "exec inspect"), !inspect.Running
            {
                return .exited(inspect.ExitCode ?? 126)
            }
            usleep(20_000)
        }
        return .signaled(SIGKILL)
    }

    // MARK: - Kept by the engine

    public func engineState(id: String) throws(RuntimeError) -> EngineState? {
        struct Inspect: Decodable {
            struct State: Decodable {
                var Status: String
                var ExitCode: Int32
            }
            var State: State
        }
        guard let engineID = engineID(id) else { return nil }
        let response = try engine.call("GET", "/containers/\(engineID)/json", verb: "inspect", allow: [404])
        guard response.status != 404 else { return nil }
        let state = try engine.decode(Inspect.self, response.body, verb: "inspect").State
        switch state.Status {
        case "created": return EngineState(status: .created, exitCode: nil)
        case "running", "restarting": return EngineState(status: .running, exitCode: nil)
        case "paused": return EngineState(status: .paused, exitCode: nil)
        default: return EngineState(status: .stopped, exitCode: state.ExitCode)
        }
    }

    public func follow(id: String, since: Int64, _ changed: (EngineChange) -> Bool) throws(RuntimeError) {
        // Never created in the engine (no id recorded): there is nothing to follow.
        guard let engineID = engineID(id) else {
            _ = changed(.removed)
            return
        }
        // What the engine says once the stream is open, then every event after `since`: whatever happened
        // before the engine registered the stream is in one or the other, and the events replayed from
        // before the answer are a contiguous run up to the present, so the last word is always right.
        let opened = { () -> Bool in
            switch Result(catching: { () throws(RuntimeError) in try engineState(id: id) }) {
            case .success(nil): return changed(.removed)
            case .success(let state?) where state.status == .stopped: return changed(.exited(code: state.exitCode))
            case .success(let state?) where state.status != .created: return changed(.started)
            default: return true
            }
        }
        try engine.containerEvents(engineID, since: since, opened: opened) { event in
            switch event.Action {
            case "start": return changed(.started)
            case "die": return changed(.exited(code: event.Actor.Attributes?["exitCode"].flatMap { Int32($0) }))
            case "destroy": return changed(.removed)
            default: return true
            }
        }
    }

    public func printLog(id: String, tail: Int?, timestamps: Bool, follow: Bool, window: LogWindow, emit: ([UInt8], String) -> Void) throws(RuntimeError)
        -> Bool
    {
        guard let engineID = engineID(id) else { return false }
        return try engine.containerLogs(engineID, tail: tail, timestamps: timestamps, follow: follow, window: window, emit: emit)
    }

    /// The engine's id for a securerun container id (recorded at create), or nil.
    func engineID(_ id: String) -> String? {
        let file = StateRoot(stateRoot).container(id).appendingPathComponent("engine-id").path
        guard let text = try? FileContents.text(file, limit: 256) else { return nil }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty || !value.allSatisfy(\.isHexDigit) ? nil : value
    }
}

/// The engine's answer to a container create.
struct CreatedContainer: Decodable {
    var Id: String
}

/// Small text files written atomically (temporary file, rename).
enum AtomicWrite {
    static func text(_ text: String, to url: URL) throws {
        let temp = url.deletingLastPathComponent().appendingPathComponent(".tmp-\(ContainerPlace.randomToken().prefix(8))-\(url.lastPathComponent)")
        try Data(text.utf8).write(to: temp)
        chmod(temp.path, 0o600)
        guard rename(temp.path, url.path) == 0 else { throw SystemError.last("rename", path: url.path) }
    }
}
