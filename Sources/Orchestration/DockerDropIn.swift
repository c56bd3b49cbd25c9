import DockerCompat
import Foundation
import HostSystem
import Images
import Policy
import Runtime
import StrictJSON

/// `securerun docker …` and a `docker` symlink to securerun. `run` and `create` get securerun's whole
/// treatment on the docker backend (so the containers show in `docker ps` and the docker CLI works on
/// them); `exec`, `update` and `network connect` on a container securerun started are refused when they
/// would loosen it; every other command is handed to the real docker binary unchanged.
///
/// What this protects against: everyone who runs docker through securerun gets the floor. Anyone who can
/// reach the Docker socket directly (the real binary, the API) can still go around it.
public struct DockerDropIn: Sendable {
    public let stateRoot: URL
    public let arguments: [String]
    /// The caller's umask, given back to the real docker.
    public let callerUmask: mode_t
    /// Where securerun's notices go.
    public let notice: @Sendable (String) -> Void

    public init(stateRoot: URL, arguments: [String], callerUmask: mode_t, notice: @escaping @Sendable (String) -> Void) {
        self.stateRoot = stateRoot
        self.arguments = arguments
        self.callerUmask = callerUmask
        self.notice = notice
    }

    /// Runs the command; returns the exit status (the real docker's own when handed over: it replaces this
    /// process and never returns).
    public func run() throws -> Int32 {
        let line = DropIn.read(arguments)
        switch line.command {
        case .run(let words):
            return try start(words, mode: .dockerRun)
        case .create(let words):
            return try start(words, mode: .dockerCreate)
        case .exec(let call):
            if let user = try checkExec(call) {
                // The engine gets the user securerun judged, in numbers: a name would be looked up again
                // with dockerd's own reading of /etc/passwd, and given every /etc/group line naming it.
                try RealDocker.exec(call.arguments(user: user.description), umask: callerUmask)
            }
        case .update(let call):
            try checkUpdate(call)
        case .networkConnect(let network, let container):
            if try securerunContainer(container) != nil {
                throw DropInRefusal(
                    "network connect \(network) \(container) refused: container \(container) was started by securerun, whose profile decides its network; start it with the network the profile allows"
                )
            }
        case .start:
            break
        case .refusedGlobal(let flag):
            throw DropInRefusal("\(flag) refused: securerun starts containers on the local engine only (DOCKER_HOST=unix://…); remove \(flag)")
        case .unreadable(let command, let reason):
            throw DropInRefusal(
                "docker \(command) refused: securerun reads this command as docker does and cannot read it: \(reason); see 'docker \(command) --help'")
        case .passThrough:
            break
        }
        try RealDocker.exec(arguments, umask: callerUmask)
    }

    /// `run`/`create` through DockerCompat and the docker backend.
    func start(_ words: [String], mode: GrammarMode) throws -> Int32 {
        let parsed: ParsedRun
        do {
            parsed = try DockerRunParser.parse(words, mode: mode, context: .current(protectedPaths: [stateRoot.path]))
        } catch {
            throw DropInRefusal("\(error) (see 'docker \(mode == .dockerCreate ? "create" : "run") --help')")
        }
        if parsed.helpRequested {
            print(RunHelp.text(command: mode == .dockerCreate ? "docker create" : "docker run", mode: mode))
            return 0
        }
        var request = parsed.request
        request.createOnly = mode == .dockerCreate
        let profile = ProcessInfo.processInfo.environment["SECURERUN_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
        let root = stateRoot
        // docker prints the engine's id for -d and create: the docker CLI works with it afterwards.
        let start = ContainerStart(
            request: request, profileName: profile, runtime: "docker", dryRun: false, stateRoot: stateRoot,
            output: { id in
                let engineID = (try? FileContents.text(root.appendingPathComponent("containers/\(id)/engine-id").path)) ?? id
                print(engineID.trimmingCharacters(in: .whitespacesAndNewlines))
            }, notice: notice)
        return try start.run()
    }

    /// `exec` may not add privileges or run as root in a securerun container. Returns the user the exec
    /// runs as, in numbers, for a securerun container (nil for any other).
    func checkExec(_ call: ExecCall) throws -> UserID? {
        guard let record = try securerunContainer(call.container) else { return nil }
        if let privileged = call.privileged {
            throw DropInRefusal(
                "exec \(privileged) refused: container \(call.container) runs under securerun's profile \"\(record.profile)\"; exec never adds privileges")
        }
        let directory = StateLayout(root: stateRoot).directory(of: record.id)
        let rootfs = ImageStore(root: stateRoot).rootfs(for: try Digest(parsing: record.imageDigest))
        return try ExecStart.execUser(call.user, container: try ExecStart.startedSpec(directory), rootfs: rootfs, record: record)
    }

    /// `update` may only lower the limits of a securerun container.
    func checkUpdate(_ call: UpdateCall) throws {
        for container in call.containers {
            guard let record = try securerunContainer(container), let host = try engineHostConfig(container) else { continue }
            for option in call.options {
                let typed = option.typed.contains("=") ? option.typed : "\(option.typed) \(option.value ?? "")"
                func refuse(_ why: String) -> DropInRefusal {
                    DropInRefusal("update \(typed) refused: container \(container) runs under securerun's profile \"\(record.profile)\"; \(why)")
                }
                let value = option.value ?? ""
                switch option.name {
                case "memory":
                    guard let size = ByteSize(parsing: value), size.bytes > 0, size.bytes <= host.Memory else {
                        throw refuse("memory may only be lowered (it is \(ByteSize(bytes: host.Memory)))")
                    }
                case "memory-swap":
                    guard let size = ByteSize(parsing: value), size.bytes > 0, size.bytes <= host.MemorySwap else {
                        throw refuse("memory plus swap may only be lowered (it is \(ByteSize(bytes: host.MemorySwap)))")
                    }
                case "memory-reservation":
                    guard let size = ByteSize(parsing: value), size.bytes >= 0, size.bytes <= host.Memory else {
                        throw refuse("the reservation may not exceed the memory limit")
                    }
                case "pids-limit":
                    guard let limit = Int64(value), limit > 0, limit <= host.PidsLimit else {
                        throw refuse("the number of tasks may only be lowered (it is \(host.PidsLimit))")
                    }
                case "cpus":
                    let current = Double(host.CpuQuota) / Double(max(host.CpuPeriod, 1))
                    guard let cpus = Double(value), cpus > 0, cpus <= current + 1e-9 else {
                        throw refuse("CPU may only be lowered (it is \(current) CPUs)")
                    }
                case "cpu-quota":
                    guard let quota = Int64(value), quota > 0, quota <= host.CpuQuota else {
                        throw refuse("the CPU quota may only be lowered (it is \(host.CpuQuota))")
                    }
                case "cpu-shares", "blkio-weight", "cpuset-cpus", "cpuset-mems", "help":
                    continue
                default:
                    throw refuse("securerun lets update only lower memory, swap, CPU and pids limits")
                }
            }
        }
    }

    /// The HostConfig limits of an engine container.
    struct HostLimits: Decodable {
        var Memory: Int64
        var MemorySwap: Int64
        var CpuQuota: Int64
        var CpuPeriod: Int64
        var PidsLimit: Int64
    }

    func engineHostConfig(_ container: String) throws -> HostLimits? {
        struct Inspect: Decodable {
            var HostConfig: HostLimits
        }
        guard let body = try engineInspect(container) else { return nil }
        return try? StrictJSONDecoder().decode(Inspect.self, from: body).HostConfig
    }

    /// The record of the securerun container the engine knows as `container`, or nil for any other.
    func securerunContainer(_ container: String) throws -> ContainerRecord? {
        struct Inspect: Decodable {
            struct Config: Decodable { var Labels: [String: String]? }
            var Config: Config
        }
        guard let body = try engineInspect(container),
            let id = (try? StrictJSONDecoder().decode(Inspect.self, from: body))?.Config.Labels?["securerun.id"]
        else { return nil }
        let view = try Containers(stateRoot: stateRoot).find(id)
        guard let record = view.record else {
            throw DropInRefusal("container \(container) was started by securerun but its record is unreadable (\(view.problem ?? "")); refusing")
        }
        return record
    }

    /// The engine's inspect JSON for a container, or nil when the engine does not have it (or is not there:
    /// then the real docker reports that itself).
    func engineInspect(_ container: String) throws -> [UInt8]? {
        guard let engine = try? DockerEngine() else { return nil }
        return try? engine.inspectContainer(container)
    }
}

/// A drop-in refusal: one line, exit 125, as docker does for its own errors.
public struct DropInRefusal: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The docker binary securerun stands in for.
public enum RealDocker {
    /// The first `docker` on PATH that is not securerun itself.
    public static func locate(path: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") -> String? {
        let me = resolved("/proc/self/exe")
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/docker"
            guard FileManager.default.isExecutableFile(atPath: candidate), resolved(candidate) != me else { continue }
            return candidate
        }
        return nil
    }

    static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// Replaces this process with the real docker (stdin, stdout, stderr, terminal and exit code are its own).
    public static func exec(_ arguments: [String], umask callerUmask: mode_t) throws -> Never {
        guard let binary = locate() else {
            throw DropInRefusal("no docker binary on PATH besides securerun; install the docker client (apt-get install docker.io)")
        }
        // docker gets the caller's process as it was: default SIGPIPE and the caller's umask.
        signal(SIGPIPE, SIG_DFL)
        umask(callerUmask)
        let argv = (["docker"] + arguments).map { strdup($0) } + [nil]
        execv(binary, argv)
        throw DropInRefusal("cannot run \(binary): \(String(cString: strerror(errno)))")
    }
}
