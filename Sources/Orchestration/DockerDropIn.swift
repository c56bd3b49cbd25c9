import ContentDigest
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
/// would loosen it, `exec` runs as the user securerun checked, and `start`/`restart` take the start decision
/// again; every other command is handed to the real docker binary unchanged. The guarded commands are read
/// with docker's own grammar (``DropIn``), and one securerun cannot read or judge is refused.
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
                throw Refusal(
                    .network,
                    "network connect \(network) \(container) refused: container \(container) was started by securerun, whose profile decides its network; start it with the network the profile allows"
                )
            }
        case .start(let call):
            try checkStart(call)
        case .refusedGlobal(let flag):
            throw Refusal(.localEngine, "\(flag) refused: securerun starts containers on the local engine only (DOCKER_HOST=unix://…); remove \(flag)")
        case .unreadable(let command, let reason):
            throw Refusal(
                .readableRequest,
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
            throw Refusal(.readableRequest, "\(error) (see 'docker \(mode == .dockerCreate ? "create" : "run") --help')")
        }
        if parsed.helpRequested {
            print(RunHelp.text(command: mode == .dockerCreate ? "docker create" : "docker run", mode: mode))
            return 0
        }
        var request = parsed.request
        request.createOnly = mode == .dockerCreate
        let profile = ProfileLoader.requested(nil)
        let root = stateRoot
        // docker prints the engine's id for -d and create: the docker CLI works with it afterwards.
        let start = ContainerStart(
            request: request, profileName: profile, runtime: "docker", dryRun: false, stateRoot: stateRoot,
            output: { id in
                let engineID = (try? FileContents.text(StateRoot(root).container(id).appendingPathComponent("engine-id").path)) ?? id
                print(engineID.trimmingCharacters(in: .whitespacesAndNewlines))
            }, notice: notice)
        return try start.run()
    }

    /// `exec` may not add privileges or run as root in a securerun container. Returns the user the exec
    /// runs as, in numbers, for a securerun container (nil for any other).
    func checkExec(_ call: ExecCall) throws -> UserID? {
        guard let record = try securerunContainer(call.container) else { return nil }
        if let privileged = call.privileged {
            throw Refusal(
                .privileged,
                "exec \(privileged) refused: container \(call.container) runs under securerun's profile \"\(record.profile)\"; exec never adds privileges")
        }
        let directory = StateLayout(root: stateRoot).directory(of: record.id)
        let rootfs = ImageStore(root: stateRoot).rootfs(for: try Digest(parsing: record.imageDigest))
        return try ExecStart.execUser(call.user, container: try ExecStart.startedSpec(directory), rootfs: rootfs, record: record)
    }

    /// `start` and `restart` of a securerun container take the start decision again, as `run` takes it:
    /// the record's image digest under the record's profile, admitted and allowed now, giving the spec the
    /// engine's container was created with.
    func checkStart(_ call: StartCall) throws {
        for container in call.containers {
            guard let record = try securerunContainer(container) else { continue }
            if let checkpoint = call.options.first(where: { $0.name == "checkpoint" || $0.name == "checkpoint-dir" }) {
                throw Refusal(
                    .notSupported,
                    "\(call.verb) \(checkpoint.typed) refused: container \(container) runs under securerun's profile \"\(record.profile)\"; it starts only from its image"
                )
            }
            try Readmission.check(record, stateRoot: stateRoot, verb: call.verb)
        }
    }

    /// `update` may only lower the limits of a securerun container.
    func checkUpdate(_ call: UpdateCall) throws {
        for container in call.containers {
            guard let record = try securerunContainer(container), let host = try engineHostConfig(container) else { continue }
            for option in call.options {
                let typed = option.typed.contains("=") ? option.typed : "\(option.typed) \(option.value ?? "")"
                func refuse(_ rule: PolicyViolation.Rule, _ why: String) -> Refusal {
                    Refusal(rule, "update \(typed) refused: container \(container) runs under securerun's profile \"\(record.profile)\"; \(why)")
                }
                let value = option.value ?? ""
                switch option.name {
                case "memory":
                    guard let size = ByteSize(parsing: value), size.bytes > 0, size.bytes <= host.Memory else {
                        throw refuse(.memory, "memory may only be lowered (it is \(ByteSize(bytes: host.Memory)))")
                    }
                case "memory-swap":
                    guard let size = ByteSize(parsing: value), size.bytes > 0, size.bytes <= host.MemorySwap else {
                        throw refuse(.memory, "memory plus swap may only be lowered (it is \(ByteSize(bytes: host.MemorySwap)))")
                    }
                case "memory-reservation":
                    guard let size = ByteSize(parsing: value), size.bytes >= 0, size.bytes <= host.Memory else {
                        throw refuse(.memory, "the reservation may not exceed the memory limit")
                    }
                case "pids-limit":
                    guard let limit = Int64(value), limit > 0, limit <= host.PidsLimit else {
                        throw refuse(.pids, "the number of tasks may only be lowered (it is \(host.PidsLimit))")
                    }
                case "cpus":
                    let current = Double(host.CpuQuota) / Double(max(host.CpuPeriod, 1))
                    guard let cpus = Double(value), cpus > 0, cpus <= current + 1e-9 else {
                        throw refuse(.cpu, "CPU may only be lowered (it is \(current) CPUs)")
                    }
                case "cpu-quota":
                    guard let quota = Int64(value), quota > 0, quota <= host.CpuQuota else {
                        throw refuse(.cpu, "the CPU quota may only be lowered (it is \(host.CpuQuota))")
                    }
                case "cpu-shares", "blkio-weight", "cpuset-cpus", "cpuset-mems", "help":
                    continue
                default:
                    throw refuse(.notSupported, "securerun lets update only lower memory, swap, CPU and pids limits")
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
        do {
            return try StrictJSONDecoder().decode(Inspect.self, from: body).HostConfig
        } catch {
            throw Refusal(.readableRequest, "cannot read the limits of container \(container) from the engine (\(error)); refusing")
        }
    }

    /// The record of the securerun container the engine knows as `container`, or nil for any other.
    func securerunContainer(_ container: String) throws -> ContainerRecord? {
        struct Inspect: Decodable {
            struct Config: Decodable { var Labels: [String: String]? }
            var Config: Config
        }
        guard let body = try engineInspect(container) else { return nil }
        let labels: [String: String]?
        do {
            labels = try StrictJSONDecoder().decode(Inspect.self, from: body).Config.Labels
        } catch {
            throw Refusal(.readableRequest, "cannot read the labels of container \(container) from the engine (\(error)); refusing")
        }
        guard let id = labels?["securerun.id"] else { return nil }
        let view = try Containers(stateRoot: stateRoot).find(id)
        guard let record = view.record else {
            throw Refusal(.readableRequest, "container \(container) was started by securerun but its record is unreadable (\(view.problem ?? "")); refusing")
        }
        return record
    }

    /// The engine's inspect JSON for a container, or nil when the engine has no such container. Anything
    /// that keeps securerun from asking the engine docker will use refuses: a guarded command that cannot
    /// be judged is not handed over.
    func engineInspect(_ container: String) throws -> [UInt8]? {
        try checkEngineChoice()
        // docker finds `/name` as `name`; any other spelling securerun cannot ask about the same way refuses.
        let name = container.hasPrefix("/") ? String(container.dropFirst()) : container
        guard let first = name.utf8.first, Self.nameStart(first), name.utf8.allSatisfy(Self.nameByte) else {
            throw Refusal(.readableRequest, "\(container) refused: not a container name or id securerun can look up (letters, digits, '_', '.', '-')")
        }
        let engine: DockerEngine
        do {
            engine = try DockerEngine()
        } catch {
            throw engineRefusal(container, "\(error)")
        }
        do {
            return try engine.inspectContainer(name)
        } catch {
            throw engineRefusal(container, "\(error)")
        }
    }

    static func nameStart(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) }
    static func nameByte(_ byte: UInt8) -> Bool { nameStart(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") }

    func engineRefusal(_ container: String?, _ why: String) -> Refusal {
        let what = container.map { "whether \($0) is a securerun container" } ?? "whether the command touches a securerun container"
        return Refusal(
            .localEngine,
            "docker \(verb) refused: securerun cannot ask the engine docker would use \(what) (\(why)); "
                + "it guards exec, update, start, restart and network connect on the local engine only: unset DOCKER_HOST and DOCKER_CONTEXT, or use a unix:// DOCKER_HOST"
        )
    }

    /// The guarded command, for messages.
    var verb: String {
        switch DropIn.read(arguments).command {
        case .exec: return "exec"
        case .update: return "update"
        case .start(let call): return call.verb
        case .networkConnect: return "network connect"
        default: return arguments.first ?? "docker"
        }
    }

    /// The engine the real docker would talk to must be the one securerun asks: docker's own order is
    /// `--context`/`-H` (refused before this), `DOCKER_HOST`, `DOCKER_CONTEXT`, then the config file's
    /// `currentContext` (cli/command/cli.go resolveContextName).
    func checkEngineChoice() throws {
        let environment = ProcessInfo.processInfo.environment
        if let host = environment["DOCKER_HOST"], !host.isEmpty {
            guard host.hasPrefix("unix://") else { throw engineRefusal(nil, "DOCKER_HOST=\(host) is not a local unix:// socket") }
            return
        }
        if let context = environment["DOCKER_CONTEXT"], !context.isEmpty, context != "default" {
            throw engineRefusal(nil, "DOCKER_CONTEXT=\(context) names another engine")
        }
        let directory =
            DropIn.read(arguments).configDirectory
            ?? environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.docker")
        let file = directory + "/config.json"
        guard FileManager.default.fileExists(atPath: file) else { return }
        struct Config: Decodable { var currentContext: String? }
        let context: String?
        do {
            context = try StrictJSONDecoder().decode(Config.self, from: try FileContents.read(file, limit: 1 << 20)).currentContext
        } catch {
            throw engineRefusal(nil, "\(file) cannot be read for its current context: \(error)")
        }
        if let context, !context.isEmpty, context != "default" {
            throw engineRefusal(nil, "\(file) makes context \(context) current")
        }
    }
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
            throw OrchestrationError.realDockerUnavailable("no docker binary on PATH besides securerun; install the docker client (apt-get install docker.io)")
        }
        // docker gets the caller's process as it was: default SIGPIPE and the caller's umask.
        signal(SIGPIPE, SIG_DFL)
        umask(callerUmask)
        let argv = (["docker"] + arguments).map { strdup($0) } + [nil]
        execv(binary, argv)
        throw OrchestrationError.realDockerUnavailable("cannot run \(binary): \(String(cString: strerror(errno)))")
    }
}
