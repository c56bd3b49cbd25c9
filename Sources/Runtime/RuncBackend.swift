import CHostSystem
import Foundation
import HostSystem
import Policy
import StrictJSON

/// runc (or crun) as a backend: the container's config.json is written into its bundle, the runtime
/// runs it detached, and securerun (a child subreaper) becomes the parent of its init and waits for it.
public struct RuncBackend: ContainerBackend {
    /// The runtime command-line client.
    public let runtime: OCIRuntime

    /// A backend over `runtime`.
    public init(runtime: OCIRuntime) {
        self.runtime = runtime
    }

    public var name: String { runtime.kind.rawValue }

    public func steps(_ spec: HardenedSpec, sharedRootfs: URL, imageDigest: String) -> [any LaunchStep] {
        var steps: [any LaunchStep] = [
            UserNamespaceStep(mode: spec.userNamespace, spec: spec), VolumesStep(volumes: spec.volumes, user: spec.user),
            OwnRootStep(sharedRootfs: sharedRootfs), CgroupStep(),
        ]
        if spec.network.mode == .private { steps.append(NetworkStep(spec: spec.network, namespace: .named)) }
        return steps
    }

    public func waitExec(_ started: StartedContainer) -> ExitStatus {
        guard let pid = started.pid else { return .exited(0) }
        return ChildProcess.wait(pid)
    }

    public func run(_ launch: BackendLaunch, io: ContainerIO) throws(RuntimeError) -> StartedContainer {
        let place = launch.place
        let bundle = place.directory.appendingPathComponent("bundle", isDirectory: true)
        try Self.makeDirectory(bundle)
        var spec = SpecBuilder.spec(
            for: launch.spec, rootfs: launch.plan.rootfs ?? launch.sharedRootfs, place: place, volumeSources: launch.plan.volumeSources,
            networkNamespace: launch.plan.network?.names.namespacePath, idMapping: launch.plan.idMapping,
            hostsFile: launch.plan.network?.hostsFile)
        spec.process.terminal = launch.terminal
        try Self.write(try Self.encode(spec, at: bundle), to: bundle.appendingPathComponent("config.json"))
        try Self.makeDirectory(runtime.stateDirectory, intermediate: true)
        let options = OCIRuntime.RunOptions(
            bundle: bundle, pidFile: place.directory.appendingPathComponent("init.pid"),
            log: place.directory.appendingPathComponent("runtime.log"), stdio: [])
        let pid = try withIO(io, place: place) { (stdio, console) throws(RuntimeError) -> pid_t in
            var options = options
            options.stdio = stdio
            options.consoleSocket = console
            guard launch.plan.idMapping != nil || launch.spec.memfdNoexec else { return try runtime.runDetached(id: place.id, options) }
            // Created, not started: what must hold before the user's process runs is set and checked here.
            let pid = try runtime.create(id: place.id, options)
            if let mapping = launch.plan.idMapping {
                let mountPoints = Set(spec.mounts.compactMap { $0.destination.split(separator: "/").first.map(String.init) })
                try UserNamespaceCheck.verify(pid: pid, mapping: mapping, sharedRootfs: launch.sharedRootfs, skipping: mountPoints)
                try UserNamespaceCheck.verifyVolumes(pid: pid, idmapped: launch.plan.idmappedVolumes)
            }
            if launch.spec.memfdNoexec { try MemfdNoexec.apply(pid: pid) }
            try runtime.start(id: place.id)
            return pid
        }
        return StartedContainer(id: place.id, pid: pid.value, terminal: pid.terminal)
    }

    public func wait(_ container: StartedContainer) -> ExitStatus {
        guard let pid = container.pid else { return .exited(0) }
        return ChildProcess.wait(pid)
    }

    public func state(id: String) throws(RuntimeError) -> BackendStatus? {
        guard let state = try runtime.state(id: id) else { return nil }
        return BackendStatus(rawValue: state.status) ?? .stopped
    }

    public func kill(id: String, signal: Int32) throws(RuntimeError) {
        try runtime.kill(id: id, signal: signal)
    }

    public func delete(id: String) {
        guard runtime.hasState(id: id) else { return }
        // A container whose init is gone needs what `runc delete` would do for a stopped one, its cgroups
        // and its state directory removed: done here, that saves starting the runtime once more. Anything
        // that may still run goes through the runtime's own `delete --force`.
        let directory = runtime.stateDirectory.appendingPathComponent(id)
        if let stopped = StoppedRuntimeState.read(directory) {
            CgroupLayout.remove(stopped.cgroupPaths)
            if (try? SafeRemoval.remove(directory.path)) != nil { return }
        }
        runtime.forceDelete(id: id)
    }

    public func exec(_ place: ContainerPlace, _ process: ExecProcess, io: ContainerIO) throws(RuntimeError) -> StartedContainer {
        let id = place.id
        let config = place.directory.appendingPathComponent("bundle/config.json")
        // The container's own process settings are the floor: its capabilities (all five sets),
        // no-new-privileges and rlimits are copied, never taken from the request.
        let running: RuntimeSpec
        do {
            running = try StrictJSONDecoder().decode(RuntimeSpec.self, from: try FileContents.read(config.path))
        } catch {
            throw .stateFailure(path: config.path, reason: "cannot read the container's config: \(error)")
        }
        var spec = running.process
        spec.terminal = process.terminal
        spec.user = .init(
            uid: process.user.uid, gid: process.user.gid, additionalGids: SpecBuilder.supplementaryGroups(process.user.gid, process.additionalGids))
        spec.args = process.args
        spec.env = process.env
        spec.cwd = process.cwd
        spec.noNewPrivileges = true
        let token = ContainerPlace.randomToken()
        let processFile = place.directory.appendingPathComponent("exec-\(token).json")
        let pidFile = place.directory.appendingPathComponent("exec-\(token).pid")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(spec)
        } catch {
            throw .stateFailure(path: processFile.path, reason: "cannot encode the process: \(error)")
        }
        try Self.write(data, to: processFile)
        defer {
            unlink(processFile.path)
            unlink(pidFile.path)
        }
        let log = place.directory.appendingPathComponent("runtime.log")
        let result = try withIO(io, place: place) { (stdio, console) throws(RuntimeError) -> pid_t in
            try runtime.execDetached(id: id, process: processFile, pidFile: pidFile, log: log, stdio: stdio, consoleSocket: console)
        }
        return StartedContainer(id: id, pid: result.value, terminal: result.terminal)
    }

    /// Runs `body` with the runtime's stdio and console socket for `io`; for a terminal, receives the
    /// pty master the runtime sends once `body` has returned.
    func withIO(_ io: ContainerIO, place: ContainerPlace, _ body: ([Int32], URL?) throws(RuntimeError) -> pid_t) throws(RuntimeError) -> (
        value: pid_t, terminal: Int32?
    ) {
        switch io {
        case .descriptors(let fds):
            return (try body(fds, nil), nil)
        case .terminal:
            let console = try ConsoleSocket(near: place)
            defer { console.close() }
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            defer { Glibc.close(null) }
            let pid = try body([null, null, null], console.path)
            let master = try console.receive()
            return (pid, master)
        }
    }

    static func encode(_ spec: RuntimeSpec, at bundle: URL) throws(RuntimeError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(spec)
        } catch {
            throw .stateFailure(path: bundle.path, reason: "cannot encode config.json: \(error)")
        }
    }

    static func makeDirectory(_ url: URL, intermediate: Bool = false) throws(RuntimeError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: intermediate, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .stateFailure(path: url.path, reason: "\(error.localizedDescription)")
        }
    }

    static func write(_ data: Data, to url: URL) throws(RuntimeError) {
        do {
            try data.write(to: url, options: .atomic)
            chmod(url.path, 0o600)
        } catch {
            throw .stateFailure(path: url.path, reason: "\(error.localizedDescription)")
        }
    }
}

/// What runc's `state.json` says of a container whose init has exited (its pid gone, or reused by a
/// process that started at another time).
struct StoppedRuntimeState {
    let cgroupPaths: [String]

    struct File: Decodable {
        var init_process_pid: Int32
        var init_process_start: UInt64
        var cgroup_paths: [String: String]?
    }

    static func read(_ directory: URL) -> StoppedRuntimeState? {
        let limits = JSONLimits(maxBytes: 4 << 20, maxDepth: 64)
        guard let bytes = try? FileContents.read(directory.appendingPathComponent("state.json").path, limit: 4 << 20),
            let state = try? StrictJSONDecoder(limits: limits).decode(File.self, from: bytes)
        else { return nil }
        if let running = ProcessStat.read(state.init_process_pid), running.startTime == String(state.init_process_start) {
            return nil
        }
        // Only securerun's own cgroup directories are ever removed this way.
        let paths = (state.cgroup_paths ?? [:]).values.filter { $0.hasPrefix("/sys/fs/cgroup/") && $0.contains("/securerun/") }
        return StoppedRuntimeState(cgroupPaths: paths.sorted())
    }
}

/// The unix socket a runtime sends a container's pty master to (`--console-socket`), in a root-only
/// directory: whoever could connect first could hand securerun a terminal of their own.
final class ConsoleSocket {
    let path: URL
    private let directory: URL?
    private let fd: Int32

    /// A socket in the container's directory, or (when that path is too long for a socket address) in a
    /// fresh 0700 directory under /run.
    init(near place: ContainerPlace) throws(RuntimeError) {
        var candidate = place.directory.appendingPathComponent("console-\(ContainerPlace.randomToken().prefix(8)).sock")
        var made: URL?
        if candidate.path.utf8.count >= 100 {
            let directory = URL(fileURLWithPath: "/run/securerun-console-\(ContainerPlace.randomToken())", isDirectory: true)
            guard mkdir(directory.path, 0o700) == 0 else {
                throw .stateFailure(path: directory.path, reason: String(cString: strerror(errno)))
            }
            made = directory
            candidate = directory.appendingPathComponent("console.sock")
        }
        let fd = sr_listen_unix(candidate.path)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            if let made { rmdir(made.path) }
            throw .stateFailure(path: candidate.path, reason: "cannot listen for the container's terminal: \(reason)")
        }
        self.fd = fd
        path = candidate
        directory = made
    }

    /// Accepts the runtime's connection and returns the descriptor it sent.
    func receive() throws(RuntimeError) -> Int32 {
        var connection: Int32
        repeat { connection = sr_accept_cloexec(fd) } while connection < 0 && errno == EINTR
        guard connection >= 0 else { throw .stateFailure(path: path.path, reason: "no terminal from the runtime: \(String(cString: strerror(errno)))") }
        defer { Glibc.close(connection) }
        let master = sr_receive_fd(connection)
        guard master >= 0 else { throw .stateFailure(path: path.path, reason: "no terminal from the runtime: \(String(cString: strerror(errno)))") }
        return master
    }

    func close() {
        Glibc.close(fd)
        unlink(path.path)
        if let directory { rmdir(directory.path) }
    }
}
