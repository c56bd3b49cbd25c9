import Capabilities

/// `-u/--user user[:group]`: each part a name (resolved against the image) or a decimal id.
public struct UserSpec: Sendable, Equatable, Codable, CustomStringConvertible {
    /// A user name or uid, as typed.
    public var user: String
    /// A group name or gid, as typed; nil when not given.
    public var group: String?

    /// A user spec from its parts.
    public init(user: String, group: String? = nil) {
        self.user = user
        self.group = group
    }

    /// `user[:group]`.
    public var description: String { group.map { "\(user):\($0)" } ?? user }

    /// Whether a part names root by name (`root`, `root:x`, `x:root`); numeric 0 is judged after parsing.
    public var namesRoot: Bool { user == "root" || group == "root" }
}

/// A capability in `--cap-add`/`--cap-drop`: one capability, or docker's `ALL`.
public enum CapabilityName: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `ALL`: every capability.
    case all
    /// One capability.
    case capability(Capability)

    public var description: String {
        switch self {
        case .all: return "ALL"
        case .capability(let capability): return capability.name
        }
    }

    /// Stored as its name (`ALL`, `CAP_CHOWN`), as a record and audit read it.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = text == "ALL" ? .all : .capability(try Capability(parsing: text))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// `--memory-swap`: memory plus swap, or docker's `-1` for unlimited swap.
public enum SwapLimit: Sendable, Equatable, Codable {
    /// `-1`.
    case unlimited
    /// Memory plus swap.
    case limit(ByteSize)
}

/// `--cpuset-cpus` / `--cpuset-mems`: a list of CPU or memory-node numbers (`0-3,5`).
public struct CPUSet: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The numbers, sorted, each once.
    public var members: [Int]

    /// A set of the given numbers.
    public init(_ members: [Int]) {
        self.members = Array(Set(members)).sorted()
    }

    /// The kernel's list notation (`0-3,5`), as the cgroup file takes it.
    public var description: String {
        var parts: [String] = []
        var index = 0
        while index < members.count {
            var end = index
            while end + 1 < members.count, members[end + 1] == members[end] + 1 { end += 1 }
            parts.append(end == index ? "\(members[index])" : "\(members[index])-\(members[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }
}

/// A resource limit `--ulimit NAME=SOFT[:HARD]` may set (docker/go-units' list; `as` is not one).
public enum UlimitName: String, Sendable, Hashable, Codable, CaseIterable {
    case core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack

    /// The name OCI runtime specs use (`RLIMIT_NOFILE`).
    public var rlimitName: String { "RLIMIT_" + rawValue.uppercased() }
}

/// `--ulimit NAME=SOFT[:HARD]`; -1 stands for unlimited.
public struct Ulimit: Sendable, Equatable, Codable, CustomStringConvertible {
    public var name: UlimitName
    public var soft: Int64
    public var hard: Int64

    public init(name: UlimitName, soft: Int64, hard: Int64) {
        self.name = name
        self.soft = soft
        self.hard = hard
    }

    public var description: String { "\(name.rawValue)=\(soft):\(hard)" }

    /// `SOFT[:HARD]` for `name`, as docker/go-units reads `--ulimit` (whole numbers, -1 for unlimited, soft
    /// at most hard); the reason when it is not that.
    public static func parse(name: UlimitName, value: String) -> Result<Ulimit, UlimitProblem> {
        let values = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(values.count), let soft = Int64(values[0]), let hard = values.count == 2 ? Int64(values[1]) : Int64(values[0]) else {
            return .failure(UlimitProblem("expected SOFT[:HARD] as whole numbers (-1 for unlimited)"))
        }
        guard soft >= -1, hard >= -1 else { return .failure(UlimitProblem("limits are whole numbers from 0, or -1 for unlimited")) }
        if hard != -1, soft == -1 || soft > hard {
            return .failure(UlimitProblem("ulimit soft limit must be less than or equal to hard limit: \(soft) > \(hard)"))
        }
        return .success(Ulimit(name: name, soft: soft, hard: hard))
    }
}

/// Why a `SOFT[:HARD]` value is not one.
public struct UlimitProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// `-l/--label KEY[=VALUE]` and `--label-file` entries: metadata kept in the container's record.
public struct Label: Sendable, Equatable, Codable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// `--stop-signal`: the signal `securerun stop` sends first.
public struct StopSignal: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The signal number (1–64).
    public var number: Int32
    /// The name as typed (`SIGQUIT`, `quit`, `3`).
    public var name: String

    public init(number: Int32, name: String) {
        self.number = number
        self.name = name
    }

    public var description: String { name }
}

/// `--restart`.
public enum RestartPolicy: Sendable, Equatable, Codable, CustomStringConvertible {
    case no
    case always
    case unlessStopped
    case onFailure(maxRetries: Int?)

    public var description: String {
        switch self {
        case .no: return "no"
        case .always: return "always"
        case .unlessStopped: return "unless-stopped"
        case .onFailure(let retries): return retries.map { "on-failure:\($0)" } ?? "on-failure"
        }
    }
}

/// `--health-on-failure` (podman's): what a detached container's monitor does once it turns unhealthy.
public enum HealthFailureAction: String, Sendable, Equatable, Codable, CaseIterable {
    /// Only say so (`ps`, `inspect`), as docker does.
    case none
    /// Stop it; no restart policy brings it back.
    case stop
    /// Restart it, through the start decision again, whatever its restart policy.
    case restart
}

/// `--pull`.
public enum PullPolicy: String, Sendable, Equatable, Codable {
    case always, missing, never
}

/// `--sysctl KEY=VALUE`.
public struct Sysctl: Sendable, Equatable, Codable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// The namespaces `--pid`, `--ipc`, `--uts`, `--userns` and `--cgroupns` choose.
public enum NamespaceKind: String, Sendable, Hashable, Codable, CaseIterable {
    case pid, ipc, uts, userns, cgroupns
}

/// A namespace mode as docker spells it.
public enum NamespaceMode: Sendable, Equatable, Codable, CustomStringConvertible {
    /// `private` (or the empty default): a namespace of the container's own.
    case own
    /// `host`: the host's namespace.
    case host
    /// `container:NAME`: another container's namespace.
    case container(String)
    /// `--ipc none`: an own IPC namespace without /dev/shm.
    case none
    /// `--ipc shareable`: an own IPC namespace others may join.
    case shareable

    public var description: String {
        switch self {
        case .own: return "private"
        case .host: return "host"
        case .container(let name): return "container:\(name)"
        case .none: return "none"
        case .shareable: return "shareable"
        }
    }
}

/// One of `--pid`, `--ipc`, `--uts`, `--userns`, `--cgroupns`.
public struct NamespaceRequest: Sendable, Equatable, Codable {
    public var kind: NamespaceKind
    public var mode: NamespaceMode

    public init(kind: NamespaceKind, mode: NamespaceMode) {
        self.kind = kind
        self.mode = mode
    }
}

/// Host devices: `--device`, `--gpus`, `--device-cgroup-rule`.
public enum DeviceRequest: Sendable, Equatable, Codable {
    /// `--device HOST[:CONTAINER[:PERMISSIONS]]`.
    case device(host: String, container: String, permissions: String)
    /// `--device vendor.com/class=name` (a CDI device).
    case cdi(String)
    /// `--gpus`.
    case gpus(String)
    /// `--device-cgroup-rule 'c 42:* rmw'`.
    case cgroupRule(String)
}

/// Settings handed to the OCI runtime or engine unread: docker's `--runtime` and `--annotation`.
public enum RuntimeOverride: Sendable, Equatable, Codable {
    case runtime(String)
    case annotation(key: String, value: String)
}

/// `--security-opt` values, parsed the way docker does (`key=value` or `key:value`).
public enum SecurityOption: Sendable, Equatable, Codable {
    /// `no-new-privileges[=BOOL]`.
    case noNewPrivileges(Bool)
    /// `seccomp=unconfined`.
    case seccompUnconfined
    /// `seccomp=builtin` (or `default`): the profile's own filter.
    case seccompBuiltin
    /// `seccomp=FILE`.
    case seccompFile(String)
    /// `systempaths=unconfined`.
    case systemPathsUnconfined
    /// `apparmor=PROFILE` (`unconfined` included).
    case apparmor(String)
    /// `label=disable`.
    case labelDisable
    /// `label=user:…`, `role:…`, `type:…`, `level:…`.
    case label(String)
    /// `writable-cgroups=BOOL`.
    case writableCgroups(Bool)
}

/// `--network`/`--net`: a mode or network name, with the extended syntax's options (`name=x,alias=y`).
public struct NetworkRequest: Sendable, Equatable, Codable, CustomStringConvertible {
    /// `none`, `host`, `bridge`, `default`, `container:NAME`, or a network's name.
    public var name: String
    /// Extended-syntax options other than `name`.
    public var options: [String]

    public init(name: String, options: [String] = []) {
        self.name = name
        self.options = options
    }

    public var description: String { name }
}

/// `-p/--publish [IP:][HOST:]CONTAINER[/PROTO]`.
public struct PortMapping: Sendable, Equatable, Codable, CustomStringConvertible {
    public var hostIP: String?
    public var hostPorts: ClosedRange<Int>?
    public var containerPorts: ClosedRange<Int>
    public var proto: String

    public init(hostIP: String?, hostPorts: ClosedRange<Int>?, containerPorts: ClosedRange<Int>, proto: String) {
        self.hostIP = hostIP
        self.hostPorts = hostPorts
        self.containerPorts = containerPorts
        self.proto = proto
    }

    public var description: String {
        func range(_ ports: ClosedRange<Int>) -> String {
            ports.lowerBound == ports.upperBound ? "\(ports.lowerBound)" : "\(ports.lowerBound)-\(ports.upperBound)"
        }
        let host = [hostIP, hostPorts.map(range)].compactMap { $0 }.joined(separator: ":")
        return (host.isEmpty ? "" : host + ":") + range(containerPorts) + "/" + proto
    }
}

/// Network settings other than the mode and published ports; none can be honoured without a network.
public enum NetworkSetting: Sendable, Equatable, Codable {
    case publishAll
    case expose(String)
    case dns(String)
    case dnsSearch(String)
    case dnsOption(String)
    case addHost(String)
    case link(String)
    case ip(String)
    case ip6(String)
    case macAddress(String)
    case alias(String)
    case linkLocalIP(String)
}

/// A bind mount request (`-v HOST:CTR[:OPTS]` or `--mount type=bind,…`).
public struct BindRequest: Sendable, Equatable, Codable {
    /// Absolute host path (a relative `./dir` already made absolute).
    public var source: String
    /// Absolute container path.
    public var destination: String
    /// `ro` / `readonly`; `-v` defaults to writable, as docker does, and the policy refuses writable ones
    /// unless the profile allows them.
    public var readOnly: Bool
    /// `shared`, `rslave`, … when given (`private`/`rprivate` are the default and read as nil).
    public var propagation: String?
    /// `z` or `Z` (SELinux relabelling of the host files).
    public var relabel: String?

    public init(source: String, destination: String, readOnly: Bool, propagation: String? = nil, relabel: String? = nil) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
        self.propagation = propagation
        self.relabel = relabel
    }
}

/// A tmpfs mount request (`--tmpfs PATH[:OPTS]` or `--mount type=tmpfs,…`).
public struct TmpfsRequest: Sendable, Equatable, Codable {
    /// Absolute container path.
    public var path: String
    /// `size=`.
    public var size: ByteSize?
    /// `mode=`.
    public var mode: UInt32?
    /// true for `exec`, false for `noexec`, nil when neither was given.
    public var exec: Bool?
    /// `suid` was asked for.
    public var setuid: Bool
    /// `dev` was asked for.
    public var devices: Bool

    public init(path: String, size: ByteSize? = nil, mode: UInt32? = nil, exec: Bool? = nil, setuid: Bool = false, devices: Bool = false) {
        self.path = path
        self.size = size
        self.mode = mode
        self.exec = exec
        self.setuid = setuid
        self.devices = devices
    }
}

/// `-v`/`--mount` requests.
public enum MountRequest: Sendable, Equatable, Codable {
    case bind(BindRequest)
    case tmpfs(TmpfsRequest)
    /// A named (`-v data:/d`, `--mount type=volume`) or anonymous (`-v /d`) volume.
    case volume(name: String?, destination: String)
}
