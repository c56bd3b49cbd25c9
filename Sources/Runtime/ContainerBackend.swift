import Foundation
import HostSystem
import Policy

/// What a backend is asked to start: the hardened spec, where the container lives, and what the launch
/// steps prepared for it.
public struct BackendLaunch: Sendable {
    /// The container's place (id, directory, cgroup).
    public var place: ContainerPlace
    /// The spec, with the profile's floor applied.
    public var spec: HardenedSpec
    /// What the steps prepared (own root, pinned volume paths).
    public var plan: LaunchPlan
    /// The image's shared, read-only rootfs.
    public var sharedRootfs: URL
    /// Give the process a terminal (docker's `-t`).
    public var terminal: Bool
    /// The admitted manifest digest (the docker backend loads and runs its config digest).
    public var imageDigest: String
    /// Keep stdin open (docker's `-i`).
    public var interactive: Bool
    /// `--name`, which the docker backend gives the engine's container too.
    public var name: String?
    /// Start it now (false: `docker create`, the engine starts it later).
    public var startNow = true
    /// `-l/--label`, which the docker backend gives the engine's container (beside securerun's own).
    public var labels: [String: String] = [:]

    /// A launch.
    public init(place: ContainerPlace, spec: HardenedSpec, plan: LaunchPlan, sharedRootfs: URL, terminal: Bool, imageDigest: String, interactive: Bool) {
        self.place = place
        self.spec = spec
        self.plan = plan
        self.sharedRootfs = sharedRootfs
        self.terminal = terminal
        self.imageDigest = imageDigest
        self.interactive = interactive
    }
}

/// How a container's standard streams are wired.
public enum ContainerIO: Sendable {
    /// These descriptors become the process's stdin, stdout and stderr.
    case descriptors([Int32])
    /// The process gets a terminal of its own; its master end is handed to the caller (see
    /// `StartedContainer.terminal`). `stdin`, when given, is the process's stdin only before the terminal
    /// exists (unused by runc).
    case terminal
}

/// A container that was started.
public struct StartedContainer: Sendable {
    /// The container id.
    public var id: String
    /// The init's host pid, when the backend has one that securerun can wait for (runc: our child).
    public var pid: pid_t?
    /// The pty master, for a container started with a terminal (the docker backend: its attach socket).
    public var terminal: Int32?
    /// The engine stream relaying the container's stdio (docker backend).
    public var relay: AttachStream?
    /// For an exec on the docker backend: the engine container it runs in.
    public var execOf: String?
    /// Resizes the container's terminal (docker backend; runc's pty is resized directly).
    public var resize: (@Sendable (UInt16, UInt16) -> Void)?
    /// Created but not started (wait for it to be started by someone else and to end).
    public var createdOnly = false

    /// A started container.
    public init(
        id: String, pid: pid_t?, terminal: Int32?, relay: AttachStream? = nil, execOf: String? = nil,
        resize: (@Sendable (UInt16, UInt16) -> Void)? = nil
    ) {
        self.id = id
        self.pid = pid
        self.terminal = terminal
        self.relay = relay
        self.execOf = execOf
        self.resize = resize
    }
}

/// What a backend knows of a container.
public enum BackendStatus: String, Sendable, Codable {
    case creating, created, running, paused, stopped
}

/// A process to run in a running container (`securerun exec`), already checked against its floor.
public struct ExecProcess: Sendable, Equatable {
    /// argv.
    public var args: [String]
    /// Environment.
    public var env: [String]
    /// Working directory.
    public var cwd: String
    /// The user (never root; the policy decided).
    public var user: UserID
    /// A terminal of its own.
    public var terminal: Bool
    /// The container's `--group-add` groups, which the process gets beside its own gid (as docker exec does).
    public var additionalGids: [UInt32] = []

    /// A process.
    public init(args: [String], env: [String], cwd: String, user: UserID, terminal: Bool) {
        self.args = args
        self.env = env
        self.cwd = cwd
        self.user = user
        self.terminal = terminal
    }
}

/// The engines securerun starts containers with (runc or crun through their command line; docker next).
/// Every verb works by container id; the backend never loosens the spec it was given.
public protocol ContainerBackend: Sendable {
    /// `runc`, `crun`, `docker`.
    var name: String { get }
    /// The host set-up this backend needs, in order (runc: volumes, its own root, cgroup, network; docker:
    /// volumes, network). `imageDigest` is the admitted manifest digest.
    func steps(_ spec: HardenedSpec, sharedRootfs: URL, imageDigest: String) -> [any LaunchStep]
    /// Waits for a process `exec` started.
    func waitExec(_ started: StartedContainer) -> ExitStatus
    /// Creates and starts the container, its process wired as `io` says.
    func run(_ launch: BackendLaunch, io: ContainerIO) throws(RuntimeError) -> StartedContainer
    /// Waits until the container's init exits.
    func wait(_ container: StartedContainer) -> ExitStatus
    /// What the backend knows of `id`, or nil when it has no such container.
    func state(id: String) throws(RuntimeError) -> BackendStatus?
    /// Sends `signal` to the container's init.
    func kill(id: String, signal: Int32) throws(RuntimeError)
    /// Removes the backend's container (killing what is left of it); quiet when there is none.
    func delete(id: String)
    /// Runs `process` in the running container `id` (exactly its floor: the same seccomp filter,
    /// capabilities, no-new-privileges); returns the process's host pid to wait for, and its pty master with a terminal.
    func exec(_ place: ContainerPlace, _ process: ExecProcess, io: ContainerIO) throws(RuntimeError) -> StartedContainer
}
