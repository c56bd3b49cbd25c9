import ContentDigest
import Foundation
import HostSystem
import Images
import Policy
import Runtime
import StrictJSON

/// `securerun exec`: a process in a running container with exactly its floor. The capabilities (all
/// five sets), no-new-privileges, rlimits and seccomp filter are the container's own; the user is the
/// container's unless another non-root one is asked for; nothing here can loosen anything.
public struct ExecStart: Sendable {
    public var stateRoot: URL
    public var reference: String
    public var command: [String]
    public var interactive: Bool
    public var tty: Bool
    public var user: String?
    public var env: [String]
    public var workdir: String?

    public init(
        stateRoot: URL, reference: String, command: [String], interactive: Bool, tty: Bool, user: String?, env: [String], workdir: String?
    ) {
        self.stateRoot = stateRoot
        self.reference = reference
        self.command = command
        self.interactive = interactive
        self.tty = tty
        self.user = user
        self.env = env
        self.workdir = workdir
    }

    /// Runs the process and returns its exit status.
    public func run() throws -> Int32 {
        let containers = Containers(stateRoot: stateRoot)
        let view = try containers.find(reference)
        guard let record = view.record, record.status == .running else { throw OrchestrationError.notRunning(reference) }
        guard !command.isEmpty else { throw OrchestrationError.invalidRequest(flag: "exec", reason: "give a command to run in the container") }
        let backend = try containers.backend(record)
        let spec = try Self.startedSpec(view.directory)
        let rootfs = ImageStore(root: stateRoot).rootfs(for: try Digest(parsing: record.imageDigest))
        let user = try Self.execUser(user, container: spec, rootfs: rootfs, record: record)
        var process = ExecProcess(args: command, env: try environment(spec.env), cwd: workdir ?? spec.cwd, user: user, terminal: tty)
        process.additionalGids = spec.additionalGids
        guard process.cwd.hasPrefix("/") else { throw OrchestrationError.invalidRequest(flag: "--workdir \(process.cwd)", reason: "must be an absolute path") }
        try Subreaper.enable()
        let place = ContainerPlace(id: record.id, directory: view.directory, stateRoot: stateRoot)
        let forwarder = SignalForwarder()
        defer { forwarder.stop() }
        if tty {
            let started = try backend.exec(place, process, io: .terminal)
            guard let master = started.terminal else { return 125 }
            let relay = TerminalRelay(master: master, interactive: interactive, pending: started.relay?.pending ?? [], resize: started.resize)
            defer { relay.restore() }
            if let pid = started.pid { forwarder.forward(to: pid) }
            let status = backend.waitExec(started)
            forwarder.containerEnded()
            relay.finish()
            if started.relay == nil { close(master) }
            return status.code
        }
        let stdio = try ContainerStdio(interactive: interactive)
        let started: StartedContainer
        do {
            started = try backend.exec(place, process, io: .descriptors(stdio.containerSide))
        } catch {
            _ = stdio.runtimeReturned(started: false)
            throw error
        }
        _ = stdio.runtimeReturned(started: true)
        if let pid = started.pid { forwarder.forward(to: pid) }
        let status = backend.waitExec(started)
        forwarder.containerEnded()
        stdio.drain()
        return status.code
    }

    /// The container's environment with `-e` entries over it.
    func environment(_ base: [String]) throws(OrchestrationError) -> [String] {
        var result = base
        for entry in env {
            let key = String(entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            guard !key.isEmpty else { throw .invalidRequest(flag: "--env \(entry)", reason: "the variable name before '=' is empty") }
            let value = entry.contains("=") ? entry : ProcessInfo.processInfo.environment[entry].map { "\(entry)=\($0)" }
            guard let value else { continue }
            result.removeAll { $0.hasPrefix(key + "=") }
            result.append(value)
        }
        return result
    }

    /// What an exec takes from the spec the container started with: its user and groups, environment,
    /// working directory, and where its volumes are.
    struct StartedSpec: Decodable {
        struct User: Decodable {
            var uid: UInt32
            var gid: UInt32
            var id: UserID { UserID(uid: uid, gid: gid) }
        }
        struct Volume: Decodable { var destination: String }
        var user: User
        var additionalGids: [UInt32]
        var env: [String]
        var cwd: String
        var volumes: [Volume]
    }

    /// The spec the container in `directory` started with.
    static func startedSpec(_ directory: URL) throws(OrchestrationError) -> StartedSpec {
        let file = directory.appendingPathComponent("spec.json")
        do {
            return try StrictJSONDecoder().decode(StartedSpec.self, from: try FileContents.read(file.path))
        } catch {
            throw .corruptRecord(path: file.path, reason: "\(error)")
        }
    }

    /// The user an exec runs as: the container's own, or another non-root one (a name from the image's
    /// passwd, read as the runtime reads it, or uid[:gid]), always in numbers. `securerun exec -u` and the
    /// drop-in's `docker exec -u` both ask this, and hand the engine what it returns.
    static func execUser(_ text: String?, container spec: StartedSpec, rootfs: URL, record: ContainerRecord) throws -> UserID {
        let container = spec.user.id
        let user = try numericUser(text, container: container, rootfs: rootfs, record: record)
        // dockerd and runc look the gid and the container's groups up again in its /etc/group.
        if let problem = ContainerStart.groupProblem(user, spec.additionalGids, rootfs: rootfs, volumes: spec.volumes.map(\.destination)) {
            throw Refusal(.nonRootUser, "--user \(text ?? container.description) refused: \(problem)")
        }
        return user
    }

    /// The user `text` names (or the container's), in numbers, never root, within the container's profile.
    static func numericUser(_ text: String?, container: UserID, rootfs: URL, record: ContainerRecord) throws -> UserID {
        guard let text else { return container }
        let flag = "--user \(text)"
        let rootRefusal = Refusal(.nonRootUser, "\(flag) refused: exec never runs as root (uid or gid 0); the container runs as \(container)")
        if ["root", "0"].contains(text) || text.hasPrefix("root:") || text.hasSuffix(":root") { throw rootRefusal }
        let numeric = UserID(parsing: text) == nil ? ImageUsers.numeric(text, rootfs: rootfs) : text
        guard let numeric, let parsed = UserID(parsing: numeric) else {
            throw OrchestrationError.invalidRequest(flag: flag, reason: "no such user or group in the image's /etc/passwd or /etc/group")
        }
        if parsed.isRoot { throw rootRefusal }
        // The container's own user is never a loosening; another one meets the rules a new container would.
        if parsed != container {
            let profile = try ProfileLoader.load(file: URL(fileURLWithPath: record.profileSource))
            try Policy.checkExecUser(parsed, typed: flag, request: record.request, profile: profile)
        }
        return parsed
    }
}
