/// What a request must carry itself when nothing adds the floor for it: a create sent to the Docker Engine
/// (the engine plugin's door) or a compose service (which `docker compose` sends there as it is). `securerun
/// run` adds these itself; the engine applies only what a request carries. The rule has one home, here, so
/// the plugin's refusal and lint's finding of a compose file name the same rule for the same omission.
public struct EngineFloor: Sendable, Equatable {
    /// The seccomp choice a request makes, as the engine will read it (the last entry wins).
    public enum Seccomp: Sendable, Equatable {
        /// None given (or `builtin`): the engine's default filter, not the profile's.
        case engineDefault
        /// `seccomp=unconfined` (judged by the policy's own rule).
        case unconfined
        /// A profile given (a file for docker and compose, which send it inline); judged for looseness elsewhere.
        case given
    }

    /// One field of the floor: its Engine API field and the compose key that sets it.
    public enum Field: String, Sendable, CaseIterable {
        case user = "User"
        case readonlyRootfs = "HostConfig.ReadonlyRootfs"
        case capDrop = "HostConfig.CapDrop"
        case securityOpt = "HostConfig.SecurityOpt"
        case memory = "HostConfig.Memory"
        case memorySwap = "HostConfig.MemorySwap"
        case nanoCPUs = "HostConfig.NanoCpus"
        case pidsLimit = "HostConfig.PidsLimit"
        case networkMode = "HostConfig.NetworkMode"
        case endpoints = "NetworkingConfig.EndpointsConfig"
        case maskedPaths = "HostConfig.MaskedPaths"
        case readonlyPaths = "HostConfig.ReadonlyPaths"
        case cgroupnsMode = "HostConfig.CgroupnsMode"

        /// The compose key that sets it.
        public var composeKey: String {
            switch self {
            case .user: return "user"
            case .readonlyRootfs: return "read_only"
            case .capDrop: return "cap_drop"
            case .securityOpt, .maskedPaths, .readonlyPaths: return "security_opt"
            case .memory: return "mem_limit"
            case .memorySwap: return "memswap_limit"
            case .nanoCPUs: return "cpus"
            case .pidsLimit: return "pids_limit"
            case .networkMode: return "network_mode"
            case .endpoints: return "networks"
            case .cgroupnsMode: return "cgroup"
            }
        }
    }

    /// `User` as sent (`uid:gid`, a name, …), with its origin.
    public var user: Flagged<String>?
    public var readonlyRootfs: Bool
    /// Whether the capabilities dropped include `ALL`.
    public var dropsAllCapabilities: Bool
    /// no-new-privileges as the engine reads the security options (the last entry wins), nil when unset.
    public var noNewPrivileges: Bool?
    public var seccomp: Seccomp
    /// Memory, swap, CPU and pids as sent (0 when unset; swap -1 for unlimited).
    public var memory: Int64
    public var memorySwap: Int64
    public var nanoCPUs: Int64
    public var cpuQuota: Int64
    public var pidsLimit: Int64
    /// The network mode as sent ("" when unset: the engine's default bridge).
    public var networkMode: String
    /// Further networks the container joins at create.
    public var endpoints: [String]
    /// Tmpfs mounts that give no size (the kernel would size them at half the host's memory).
    public var unsizedTmpfs: [FlagOrigin]
    /// Masked and read-only paths when sent (nil: the engine's defaults).
    public var maskedPaths: [String]?
    public var readonlyPaths: [String]?
    /// The cgroup namespace mode as sent ("" when unset: the engine's default).
    public var cgroupnsMode: String

    public init(
        user: Flagged<String>?, readonlyRootfs: Bool, dropsAllCapabilities: Bool, noNewPrivileges: Bool?, seccomp: Seccomp, memory: Int64,
        memorySwap: Int64, nanoCPUs: Int64, cpuQuota: Int64, pidsLimit: Int64, networkMode: String, endpoints: [String], unsizedTmpfs: [FlagOrigin],
        maskedPaths: [String]?, readonlyPaths: [String]?, cgroupnsMode: String
    ) {
        self.user = user
        self.readonlyRootfs = readonlyRootfs
        self.dropsAllCapabilities = dropsAllCapabilities
        self.noNewPrivileges = noNewPrivileges
        self.seccomp = seccomp
        self.memory = memory
        self.memorySwap = memorySwap
        self.nanoCPUs = nanoCPUs
        self.cpuQuota = cpuQuota
        self.pidsLimit = pidsLimit
        self.networkMode = networkMode
        self.endpoints = endpoints
        self.unsizedTmpfs = unsizedTmpfs
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
        self.cgroupnsMode = cgroupnsMode
    }

    /// What a request parsed from docker's grammar (a `docker run` line, a compose service) would send the
    /// engine: the docker CLI and compose turn each flag into the field of the same meaning, and send
    /// nothing for a flag not given.
    public init(request: RunRequest) {
        var noNewPrivileges: Bool?
        var seccomp = Seccomp.engineDefault
        for entry in request.securityOptions {
            switch entry.value {
            case .noNewPrivileges(let on): noNewPrivileges = on
            case .seccompUnconfined: seccomp = .unconfined
            case .seccompBuiltin: seccomp = .engineDefault
            case .seccompFile: seccomp = .given
            default: break
            }
        }
        let swap: Int64
        switch request.memorySwap?.value {
        case .unlimited: swap = -1
        case .limit(let size): swap = size.bytes
        case nil: swap = 0
        }
        var unsized = request.tmpfs.filter { $0.value.size == nil }.map(\.origin)
        for mount in request.mounts {
            if case .tmpfs(let tmpfs) = mount.value, tmpfs.size == nil { unsized.append(mount.origin) }
        }
        let cgroupns: String
        switch request.namespaces.last(where: { $0.value.kind == .cgroupns })?.value.mode {
        case .own: cgroupns = "private"
        case .host: cgroupns = "host"
        case nil: cgroupns = ""
        case let mode?: cgroupns = mode.description
        }
        self.init(
            user: request.user.map { Flagged($0.value.description, $0.origin) }, readonlyRootfs: request.readOnly?.value == true,
            dropsAllCapabilities: request.capDrop.contains { $0.value == .all }, noNewPrivileges: noNewPrivileges, seccomp: seccomp,
            memory: request.memory?.value.bytes ?? 0, memorySwap: swap, nanoCPUs: request.nanoCPUs?.value ?? 0, cpuQuota: request.cpuQuota?.value ?? 0,
            pidsLimit: request.pidsLimit?.value ?? 0, networkMode: request.network?.value.name ?? "", endpoints: [], unsizedTmpfs: unsized,
            maskedPaths: nil, readonlyPaths: nil, cgroupnsMode: cgroupns)
    }

    /// Docker's masked paths (moby `oci/defaults.go`), which the engine applies when a request sends none.
    public static let engineMaskedPaths: Set<String> = [
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi",
        "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware",
    ]
    /// Docker's read-only paths.
    public static let engineReadonlyPaths: Set<String> = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
}

extension Policy {
    /// Every piece of the floor `floor` leaves out, in the order the engine plugin checks them (it refuses
    /// with the first; lint reports each). `origin` names a field the way the caller's user wrote it (an API
    /// field and compose key for the plugin, the compose key for lint); `cgroupnsPrivateByDefault` is the
    /// engine's default cgroup namespace mode (private on cgroup v2 or with `--default-cgroupns-mode private`).
    /// Values that are there but too loose (`--memory 8g`) are `enforce`'s to judge, not this.
    public static func floorViolations(
        _ floor: EngineFloor, profile: Profile, cgroupnsPrivateByDefault: Bool, origin: (EngineFloor.Field, String?) -> FlagOrigin
    ) -> [PolicyViolation] {
        var found: [PolicyViolation] = []
        func refuse(_ rule: PolicyViolation.Rule, _ field: EngineFloor.Field, _ detail: String, value: String? = nil) {
            found.append(PolicyViolation(rule: rule, origin: origin(field, value ?? "unset"), profile: profile.name, detail: detail))
        }
        let carry = "the engine applies only what the request carries"
        let cpus = profile.cpus == profile.cpus.rounded() ? String(Int(profile.cpus)) : String(profile.cpus)
        if let user = floor.user {
            if user.value.split(separator: ":", omittingEmptySubsequences: false).count != 2 {
                refuse(
                    .nonRootUser, .user,
                    "give the group too (uid:gid, such as \(profile.user)): without one the engine takes the group from the image's /etc/passwd, and root's (0) when the uid has no entry",
                    value: user.value)
            }
        } else {
            refuse(
                .nonRootUser, .user,
                "\(carry), and without a user it runs the image's user, root for most images; set a numeric non-root uid:gid such as \(profile.user) (docker run -u \(profile.user))"
            )
        }
        if !floor.readonlyRootfs { refuse(.readOnlyRootfs, .readonlyRootfs, "\(carry): set it to true (docker run --read-only)") }
        if !floor.dropsAllCapabilities {
            refuse(
                .capabilities, .capDrop,
                "\(carry), and without ALL in the capabilities dropped the engine keeps its default capabilities; drop ALL and add back only what the profile allows (docker run --cap-drop ALL)"
            )
        }
        if floor.noNewPrivileges != true {
            refuse(
                .noNewPrivileges, .securityOpt, "\(carry): add no-new-privileges:true (docker run --security-opt no-new-privileges)",
                value: "no no-new-privileges")
        }
        if floor.seccomp == .engineDefault {
            refuse(
                .seccomp, .securityOpt,
                "\(carry), and without seccomp=… the engine applies its own default filter, which permits more than the profile's \(profile.seccompPath.lastPathComponent); send the profile's (docker run --security-opt seccomp=\(profile.seccompPath.path))",
                value: "no seccomp")
        }
        if floor.memory <= 0 { refuse(.memory, .memory, "\(carry): set a memory limit of at most \(profile.memory) (docker run -m \(profile.memory))") }
        if floor.memorySwap == 0 {
            refuse(
                .memory, .memorySwap,
                "\(carry), and without a swap limit the engine allows as much swap as memory; set it to the memory limit (docker run --memory-swap equal to -m)"
            )
        }
        if floor.nanoCPUs <= 0 && floor.cpuQuota <= 0 {
            refuse(.cpu, .nanoCPUs, "\(carry): set a CPU limit of at most \(cpus) (docker run --cpus \(cpus), or CpuQuota and CpuPeriod)")
        }
        if floor.pidsLimit <= 0 {
            refuse(.pids, .pidsLimit, "\(carry): set a task limit of at most \(profile.pidsLimit) (docker run --pids-limit \(profile.pidsLimit))")
        }
        if NetworkName.problem(floor.networkMode) != nil && floor.networkMode != "none" {
            refuse(
                .network, .networkMode, "\(carry), and without none the engine attaches its default bridge network; set it to none (docker run --network none)",
                value: floor.networkMode.isEmpty ? "unset" : floor.networkMode)
        } else if floor.networkMode != "none" {
            // An engine network has neither a container's caps nor its rules; securerun's own networks are
            // joined through securerun (its docker backend's holder), never by the engine directly.
            refuse(
                .network, .networkMode,
                "the engine's network \(floor.networkMode) has none of securerun's caps or rules; set it to none, or join a securerun network with securerun run --network \(floor.networkMode)",
                value: floor.networkMode)
        }
        for name in floor.endpoints where name != "none" {
            refuse(.network, .endpoints, "containers get network none; remove the network \(name)", value: name)
        }
        for tmpfs in floor.unsizedTmpfs {
            found.append(
                PolicyViolation(
                    rule: .tmpfs, origin: tmpfs, profile: profile.name,
                    detail:
                        "a tmpfs without size= is as large as half the host's memory; give size= within the profile (at most \(profile.extraTmpfs.maxSize) for extra mounts)"
                ))
        }
        let profileMasked = Set(profile.maskedPaths)
        if let masked = floor.maskedPaths, !masked.isEmpty, !profileMasked.isSubset(of: Set(masked)) {
            let missing = profileMasked.subtracting(masked).sorted().joined(separator: ", ")
            refuse(.securityOptions, .maskedPaths, "the list leaves \(missing) unmasked; leave MaskedPaths out for the engine's list", value: "[…]")
        }
        if floor.maskedPaths == nil, !profileMasked.isSubset(of: EngineFloor.engineMaskedPaths) {
            let missing = profileMasked.subtracting(EngineFloor.engineMaskedPaths).sorted().joined(separator: ", ")
            refuse(.securityOptions, .maskedPaths, "the profile also masks \(missing), which the engine does not; send MaskedPaths with them")
        }
        let profileReadonly = Set(profile.readonlyPaths)
        if let readonly = floor.readonlyPaths, !readonly.isEmpty, !profileReadonly.isSubset(of: Set(readonly)) {
            let missing = profileReadonly.subtracting(readonly).sorted().joined(separator: ", ")
            refuse(.securityOptions, .readonlyPaths, "the list leaves \(missing) writable; leave ReadonlyPaths out for the engine's list", value: "[…]")
        }
        if floor.readonlyPaths == nil, !profileReadonly.isSubset(of: EngineFloor.engineReadonlyPaths) {
            let missing = profileReadonly.subtracting(EngineFloor.engineReadonlyPaths).sorted().joined(separator: ", ")
            refuse(
                .securityOptions, .readonlyPaths, "the profile also makes \(missing) read-only, which the engine does not; send ReadonlyPaths with them")
        }
        if floor.cgroupnsMode.isEmpty && !cgroupnsPrivateByDefault {
            refuse(
                .hostNamespaces, .cgroupnsMode,
                "this engine's default is the host's cgroup namespace (cgroup v1 without dockerd --default-cgroupns-mode private); set it to private (docker run --cgroupns private), or start dockerd with --default-cgroupns-mode private"
            )
        }
        return found
    }
}
