import Foundation
import Policy
import Seccomp

/// The Engine API's container-create body for a hardened spec: every control of the floor, spelt the
/// way the engine applies it. Anything the engine could not honour refuses here, before anything exists.
struct DockerCreate: Encodable {
    var Image: String
    var Entrypoint: [String]
    var Cmd: [String]
    var Env: [String]
    var User: String
    var WorkingDir: String
    var Hostname: String
    var Tty: Bool
    var OpenStdin: Bool
    var StdinOnce: Bool
    var AttachStdin: Bool
    var AttachStdout: Bool
    var AttachStderr: Bool
    var NetworkDisabled = true
    var Labels: [String: String]
    var HostConfig: Host

    struct Host: Encodable {
        var ReadonlyRootfs = true
        var Privileged = false
        var CapDrop = ["ALL"]
        var CapAdd: [String]
        var SecurityOpt: [String]
        var Memory: Int64
        var MemorySwap: Int64
        var CpuPeriod: Int64
        var CpuQuota: Int64
        var PidsLimit: Int64
        var NetworkMode = "none"
        var IpcMode = "private"
        var PidMode = ""
        var UTSMode = ""
        var CgroupnsMode = "private"
        var UsernsMode = ""
        var OomKillDisable = false
        var Init: Bool
        var Tmpfs: [String: String]
        var Binds: [String]
        var MaskedPaths: [String]
        var ReadonlyPaths: [String]
        var Devices: [String] = []
        var AutoRemove = false
        var GroupAdd: [String] = []
        var Ulimits: [EngineUlimit] = []
        var LogConfig = EngineLogConfig()
    }

    /// The engine keeps the container's output (`docker logs`, `securerun logs`) in its json-file log,
    /// whatever the daemon's default driver, capped as securerun's own log is: 10 MiB, and the part before.
    struct EngineLogConfig: Encodable, Equatable {
        var `Type` = "json-file"
        var Config = ["max-size": "10m", "max-file": "2"]
    }

    /// One of the engine's `HostConfig.Ulimits` (-1 is unlimited, as the engine writes it).
    struct EngineUlimit: Encodable, Equatable {
        var Name: String
        var Soft: Int64
        var Hard: Int64
    }

    /// Every rlimit runc gives a container: securerun's own (runc inherits them from the process that
    /// starts it), with the ones `--ulimit` lowered replaced. The engine would otherwise apply its own
    /// (dockerd's, or its `default-ulimits`), which securerun never judged.
    static func ulimits(_ requested: [Ulimit], own: [UlimitName: (soft: Int64, hard: Int64)]) -> [EngineUlimit] {
        let lowered = Dictionary(requested.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        return UlimitName.allCases.compactMap { name in
            if let chosen = lowered[name] { return EngineUlimit(Name: name.rawValue, Soft: chosen.soft, Hard: chosen.hard) }
            return own[name].map { EngineUlimit(Name: name.rawValue, Soft: $0.soft, Hard: $0.hard) }
        }
    }

    /// securerun's own labels on a workload.
    static func ownLabels(_ launch: BackendLaunch) -> [String: String] {
        ["securerun.id": launch.place.id, "securerun.profile": launch.spec.profileName]
    }

    /// The claim written before the create (see ``EngineClaim``): the labels, staged volumes and holder
    /// this body carries, so an engine plugin judges the create as what it is.
    static func claim(_ launch: BackendLaunch, name: String) -> EngineClaim {
        let staged = launch.spec.volumes.enumerated().compactMap { index, volume in
            launch.plan.volumeSources[index].map { EngineClaim.StagedBind(staged: $0, source: volume.source) }
        }
        return EngineClaim(name: name, labels: ownLabels(launch), staged: staged, holder: launch.plan.network?.holder)
    }

    /// The resolved seccomp filter, inline as `docker run --security-opt seccomp=FILE` sends it.
    static func seccompOption(_ spec: HardenedSpec) throws(RuntimeError) -> String {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return "seccomp=" + String(decoding: try encoder.encode(spec.seccomp), as: UTF8.self)
        } catch {
            throw .engineFailed(verb: "create", message: "cannot encode the seccomp filter: \(error)")
        }
    }

    /// The network holder's body (see ``DockerHolder``): the workload's floor (user, seccomp filter, masked
    /// paths, CPU limit: a tighter one would slow its start, which runs in its cgroup), a pause binary bound
    /// read-only at `at`, network none, and the small memory and task limits of a process that only sleeps.
    init(holderFor spec: HardenedSpec, image: String, labels: [String: String], pause: String, at path: String) throws(RuntimeError) {
        Image = image
        Entrypoint = [path]
        Cmd = ["-P"]
        Env = []
        User = "\(spec.user.uid):\(spec.user.gid)"
        WorkingDir = "/"
        Hostname = spec.hostname
        Tty = false
        OpenStdin = false
        StdinOnce = false
        AttachStdin = false
        AttachStdout = false
        AttachStderr = false
        NetworkDisabled = false
        Labels = labels
        HostConfig = Host(
            CapAdd: [], SecurityOpt: ["no-new-privileges:true", try Self.seccompOption(spec)], Memory: 16 << 20, MemorySwap: 16 << 20,
            CpuPeriod: Int64(spec.cpuPeriod), CpuQuota: spec.cpuQuota, PidsLimit: 4, Init: false, Tmpfs: [:], Binds: ["\(pause):\(path):ro"],
            MaskedPaths: spec.maskedPaths, ReadonlyPaths: spec.readonlyPaths)
    }

    /// The workload's body; `ownLabels` are securerun's (its claim's, with the one-time token).
    init(launch: BackendLaunch, image: String, attach: Bool, interactive: Bool, ownLabels: [String: String]) throws(RuntimeError) {
        let spec = launch.spec
        var network = "none"
        guard let command = spec.args.first else { throw .engineFailed(verb: "create", message: "no command") }
        let seccomp = try Self.seccompOption(spec)
        var binds: [String] = []
        for (index, volume) in spec.volumes.enumerated() {
            // The engine mounts securerun's staging bind, already read-only, nosuid and nodev throughout
            // (mount_setattr at staging): the engine cannot ask for the recursive forms itself.
            guard let staged = launch.plan.volumeSources[index] else {
                throw .engineFailed(verb: "create", message: "volume \(volume.source) was not staged")
            }
            if staged.contains(":") || volume.destination.contains(":") {
                throw .engineFailed(verb: "create", message: "the engine's bind syntax cannot carry ':' in \(staged) or \(volume.destination)")
            }
            binds.append("\(staged):\(volume.destination):\(volume.readOnly ? "ro" : "rw"),rprivate")
        }
        var tmpfs: [String: String] = [:]
        for mount in spec.tmpfs {
            tmpfs[mount.path] =
                "rw,\(mount.exec ? "exec" : "noexec"),nosuid,nodev,size=\(mount.size.bytes),mode=\(String(mount.mode, radix: 8)),uid=\(spec.user.uid),gid=\(spec.user.gid)"
        }
        Image = image
        Entrypoint = [command]
        Cmd = Array(spec.args.dropFirst())
        Env = spec.env
        User = "\(spec.user.uid):\(spec.user.gid)"
        WorkingDir = spec.cwd
        // A workload in its holder's network namespace takes the holder's hostname (the engine refuses both).
        Hostname = launch.plan.network?.holder == nil ? spec.hostname : ""
        if let holder = launch.plan.network?.holder {
            NetworkDisabled = false
            network = "container:\(holder)"
        }
        Tty = launch.terminal
        OpenStdin = interactive
        StdinOnce = interactive
        AttachStdin = attach && interactive
        AttachStdout = attach
        AttachStderr = attach
        // The user's labels reach the engine (`docker ps --filter label=…`, proxies, updaters); securerun's
        // own are set last (a user label under `securerun.` is refused before anything is created).
        Labels = launch.labels.merging(ownLabels) { $1 }
        HostConfig = Host(
            CapAdd: spec.capabilities.sorted().map(\.name),
            SecurityOpt: ["no-new-privileges:true", seccomp],
            Memory: spec.memory.bytes, MemorySwap: spec.memorySwap.bytes, CpuPeriod: Int64(spec.cpuPeriod), CpuQuota: spec.cpuQuota,
            PidsLimit: spec.pidsLimit, Init: spec.initProcess, Tmpfs: tmpfs, Binds: binds, MaskedPaths: spec.maskedPaths,
            ReadonlyPaths: spec.readonlyPaths)
        HostConfig.NetworkMode = network
        // The engine gives the user its own gid and these (User is always uid:gid in numbers, so it adds
        // none from /etc/group): the groups runc's spec lists (SpecBuilder.supplementaryGroups).
        HostConfig.GroupAdd = spec.additionalGids.map(String.init)
        HostConfig.Ulimits = Self.ulimits(spec.rlimits, own: HostFacts.current().rlimits)
    }
}
