import Capabilities
import Policy
import StrictJSON

/// A `POST /containers/create` body read into the request `securerun run` judges, plus what the body
/// itself sets for the floor (a plugin cannot change a request, so the body must carry the floor).
public struct CreateBody: Sendable {
    /// The request the policy judges; every value's origin names the API field and the compose key.
    public var request: RunRequest
    /// `Image` as sent (a name, id or digest reference; the engine resolves it).
    public var image: String
    /// What the body carries of the floor, as `Policy.floorViolations` judges it (its seccomp choice follows
    /// ``seccomp``).
    public var floor = EngineFloor(
        user: nil, readonlyRootfs: false, dropsAllCapabilities: false, noNewPrivileges: nil, seccomp: .engineDefault, memory: 0, memorySwap: 0,
        nanoCPUs: 0, cpuQuota: 0, pidsLimit: 0, networkMode: "", endpoints: [], unsizedTmpfs: [], maskedPaths: nil, readonlyPaths: nil,
        cgroupnsMode: "")
    /// The seccomp profile `SecurityOpt` gives, as the engine will read it (the last entry wins).
    public var seccomp = Seccomp.engineDefault {
        didSet {
            switch seccomp {
            case .engineDefault: floor.seccomp = .engineDefault
            case .unconfined: floor.seccomp = .unconfined
            case .inline: floor.seccomp = .given
            }
        }
    }

    /// The seccomp choice of a body.
    public enum Seccomp: Sendable, Equatable {
        /// None given: the engine's default profile (or the daemon's), not the profile's.
        case engineDefault
        /// `seccomp=unconfined`.
        case unconfined
        /// `seccomp=<JSON>`, the profile inline (as `docker run --security-opt seccomp=FILE` sends it).
        case inline(String)
    }

    static let endpoint = "POST /containers/create"

    /// Reads `body` strictly (one JSON reader: duplicate keys, invalid UTF-8 and trailing bytes refused)
    /// with the query's `name` and `platform`.
    public static func read(_ body: [UInt8], route: APIRoute) throws(EnginePluginError) -> CreateBody {
        let root: JSONNode
        do {
            root = try JSONParser.parse(body, limits: JSONLimits(maxBytes: AuthZProtocol.engineForwardingLimit, maxDepth: 32))
        } catch {
            throw .invalidBody(endpoint: endpoint, field: "", reason: "not a JSON document securerun can read the way the engine does: \(error)")
        }
        let topKnown = EngineFields.config
        // dockerd still reads HostConfig fields at the top level of a create body (a pre-1.19 form its
        // ContainerConfigWrapper embeds) and uses them when HostConfig is absent, or merges some into it:
        // `{"Image": "x", "Privileged": true}` is privileged. None of them is accepted there.
        if case .object(let members) = root.value {
            for member in members where EngineFields.hostConfig.contains(member.key) || member.key == "Cpuset" {
                throw .invalidBody(
                    endpoint: endpoint, field: member.key,
                    reason:
                        "a HostConfig field at the top level of the body, which dockerd still reads as the container's HostConfig (a deprecated form); send it inside HostConfig"
                )
            }
        }
        let top = try BodyObject(root, path: "", known: topKnown, endpoint: endpoint)
        var reader = CreateReader(top: top)
        try reader.readConfig()
        if let host = try top.object("HostConfig", known: EngineFields.hostConfig) {
            try reader.readHostConfig(host)
        }
        try reader.readNetworking(top)
        if route.queryHasSemicolon {
            throw .invalidBody(endpoint: endpoint, field: "query", reason: "a ';' in the query, which the engine's query parser drops with the pair around it")
        }
        if let name = route.queryValue("name"), !name.isEmpty {
            // The engine accepts a leading '/' on names.
            let plain = name.hasPrefix("/") ? String(name.dropFirst()) : name
            reader.body.request.name = Flagged(plain, EngineFields.origin("name", name))
        }
        if let platform = route.queryValue("platform"), !platform.isEmpty {
            reader.body.request.platform = Flagged(platform, EngineFields.origin("platform", platform))
        }
        return reader.body
    }
}

/// Fills a ``CreateBody`` field by field.
struct CreateReader {
    let top: BodyObject
    var body: CreateBody

    init(top: BodyObject) {
        self.top = top
        body = CreateBody(request: RunRequest(image: ""), image: "")
    }

    var endpoint: String { CreateBody.endpoint }

    func invalid(_ field: String, _ reason: String) -> EnginePluginError {
        .invalidBody(endpoint: endpoint, field: field, reason: reason)
    }

    // MARK: - Config

    mutating func readConfig() throws(EnginePluginError) {
        guard let image = try top.string("Image"), !image.isEmpty else {
            throw invalid("Image", "a create names its image")
        }
        body.image = image
        body.request.image = image
        if let user = try top.string("User"), !user.isEmpty {
            let origin = EngineFields.origin("User", user)
            body.floor.user = Flagged(user, origin)
            let parts = user.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            body.request.user = Flagged(UserSpec(user: parts[0], group: parts.count > 1 ? parts[1...].joined(separator: ":") : nil), origin)
        }
        if let hostname = try top.string("Hostname"), !hostname.isEmpty {
            body.request.hostname = Flagged(hostname, EngineFields.origin("Hostname", hostname))
        }
        if let domain = try top.string("Domainname"), !domain.isEmpty {
            body.request.domainname = Flagged(domain, EngineFields.origin("Domainname", domain))
        }
        for key in ["AttachStdin", "AttachStdout", "AttachStderr", "OpenStdin", "StdinOnce", "NetworkDisabled", "ArgsEscaped"] {
            _ = try top.bool(key)
        }
        if let tty = try top.bool("Tty") { body.request.tty = Flagged(tty, EngineFields.origin("Tty", "\(tty)")) }
        for port in try top.keys("ExposedPorts") ?? [] {
            body.request.networkSettings.append(Flagged(.expose(port), EngineFields.origin("ExposedPorts", port)))
        }
        for entry in try top.strings("Env") ?? [] {
            body.request.env.append(Flagged(entry, EngineFields.origin("Env", entry)))
        }
        if let cmd = try top.strings("Cmd", orString: true) { body.request.command = cmd }
        if let entrypoint = try top.strings("Entrypoint", orString: true) {
            body.request.entrypoint = Flagged(entrypoint, EngineFields.origin("Entrypoint", entrypoint.joined(separator: " ")))
        }
        for destination in try top.keys("Volumes") ?? [] {
            body.request.mounts.append(Flagged(.volume(name: nil, destination: destination), EngineFields.origin("Volumes", destination)))
        }
        if let workdir = try top.string("WorkingDir"), !workdir.isEmpty {
            body.request.workdir = Flagged(workdir, EngineFields.origin("WorkingDir", workdir))
        }
        if let mac = try top.string("MacAddress"), !mac.isEmpty {
            body.request.networkSettings.append(Flagged(.macAddress(mac), EngineFields.origin("MacAddress", mac)))
        }
        for (key, value) in try top.stringMap("Labels") ?? [] {
            body.request.labels.append(Flagged(Label(key: key, value: value), EngineFields.origin("Labels", key)))
        }
        _ = try top.strings("OnBuild")
        _ = try top.strings("Shell")
        _ = try top.string("StopSignal")
        _ = try top.int64("StopTimeout")
        // Health checks run inside the container as its own user, under the same floor (the engine execs them).
        _ = try top.object("Healthcheck", known: ["Test", "Interval", "Timeout", "Retries", "StartPeriod", "StartInterval"])
    }

    // MARK: - HostConfig

    mutating func readHostConfig(_ host: BodyObject) throws(EnginePluginError) {
        func origin(_ key: String, _ value: String?) -> FlagOrigin { EngineFields.origin("HostConfig.\(key)", value) }
        func unsupported(_ key: String, _ reason: String) {
            body.request.unsupported.append(Flagged(reason, origin(key, nil)))
        }
        // Privileges.
        if let privileged = try host.bool("Privileged") { body.request.privileged = Flagged(privileged, origin("Privileged", "\(privileged)")) }
        // Clients send false when no flag asked for a read-only root; the floor check says what to set.
        if let readOnly = try host.bool("ReadonlyRootfs"), readOnly {
            body.floor.readonlyRootfs = true
            body.request.readOnly = Flagged(true, origin("ReadonlyRootfs", "true"))
        }
        for name in try host.strings("CapAdd", orString: true) ?? [] {
            body.request.capAdd.append(Flagged(try capability(name, field: "HostConfig.CapAdd"), origin("CapAdd", name)))
        }
        for name in try host.strings("CapDrop", orString: true) ?? [] {
            let parsed = try capability(name, field: "HostConfig.CapDrop")
            if parsed == .all { body.floor.dropsAllCapabilities = true }
            body.request.capDrop.append(Flagged(parsed, origin("CapDrop", name)))
        }
        for option in try host.strings("SecurityOpt") ?? [] {
            try securityOption(option, origin: origin("SecurityOpt", Self.shortened(option)))
        }
        if let masked = try host.strings("MaskedPaths") {
            body.floor.maskedPaths = masked
            if masked.isEmpty { body.request.securityOptions.append(Flagged(.systemPathsUnconfined, origin("MaskedPaths", "[]"))) }
        }
        if let readonly = try host.strings("ReadonlyPaths") {
            body.floor.readonlyPaths = readonly
            if readonly.isEmpty { body.request.securityOptions.append(Flagged(.systemPathsUnconfined, origin("ReadonlyPaths", "[]"))) }
        }
        try namespace(.pid, host.string("PidMode"), origin: origin("PidMode", try host.string("PidMode")))
        try namespace(.ipc, host.string("IpcMode"), origin: origin("IpcMode", try host.string("IpcMode")))
        try namespace(.uts, host.string("UTSMode"), origin: origin("UTSMode", try host.string("UTSMode")))
        try namespace(.userns, host.string("UsernsMode"), origin: origin("UsernsMode", try host.string("UsernsMode")))
        body.floor.cgroupnsMode = try host.string("CgroupnsMode") ?? ""
        try namespace(.cgroupns, body.floor.cgroupnsMode, origin: origin("CgroupnsMode", body.floor.cgroupnsMode))
        if let cgroup = try host.string("Cgroup"), !cgroup.isEmpty {
            body.request.namespaces.append(Flagged(NamespaceRequest(kind: .cgroupns, mode: .container(cgroup)), origin("Cgroup", cgroup)))
        }
        for device in try host.objects("Devices", known: ["PathOnHost", "PathInContainer", "CgroupPermissions"]) ?? [] {
            let path = try device.string("PathOnHost") ?? ""
            body.request.devices.append(
                Flagged(
                    .device(host: path, container: try device.string("PathInContainer") ?? path, permissions: try device.string("CgroupPermissions") ?? ""),
                    origin("Devices", path)))
        }
        for rule in try host.strings("DeviceCgroupRules") ?? [] {
            body.request.devices.append(Flagged(.cgroupRule(rule), origin("DeviceCgroupRules", rule)))
        }
        if host.isSet("DeviceRequests") { body.request.devices.append(Flagged(.gpus("DeviceRequests"), origin("DeviceRequests", nil))) }
        for (key, value) in try host.stringMap("Sysctls") ?? [] {
            body.request.sysctls.append(Flagged(Sysctl(key: key, value: value), origin("Sysctls", "\(key)=\(value)")))
        }
        if let disable = try host.bool("OomKillDisable") { body.request.oomKillDisable = Flagged(disable, origin("OomKillDisable", "\(disable)")) }
        if let score = try host.int64("OomScoreAdj"), score != 0 {
            guard (-1000...1000).contains(score) else { throw invalid("HostConfig.OomScoreAdj", "the range is -1000 to 1000") }
            body.request.oomScoreAdj = Flagged(Int(score), origin("OomScoreAdj", "\(score)"))
        }
        if let parent = try host.string("CgroupParent"), !parent.isEmpty { body.request.cgroupParent = Flagged(parent, origin("CgroupParent", parent)) }
        for source in try host.strings("VolumesFrom") ?? [] { body.request.volumesFrom.append(Flagged(source, origin("VolumesFrom", source))) }
        if let runtime = try host.string("Runtime"), !runtime.isEmpty {
            body.request.runtimeOverrides.append(Flagged(.runtime(runtime), origin("Runtime", runtime)))
        }
        for (key, value) in try host.stringMap("Annotations") ?? [] {
            body.request.runtimeOverrides.append(Flagged(.annotation(key: key, value: value), origin("Annotations", key)))
        }
        if let groups = try host.strings("GroupAdd") {
            for group in groups { body.request.groupAdd.append(Flagged(group, origin("GroupAdd", group))) }
        }
        if let initProcess = try host.bool("Init") { body.request.initProcess = Flagged(initProcess, origin("Init", "\(initProcess)")) }
        if let remove = try host.bool("AutoRemove") { body.request.remove = Flagged(remove, origin("AutoRemove", "\(remove)")) }
        _ = try host.string("ContainerIDFile")
        if let size = host.node("ConsoleSize") { guard case .array = size.value else { throw invalid("HostConfig.ConsoleSize", "expected a list") } }
        if let restart = try host.object("RestartPolicy", known: ["Name", "MaximumRetryCount"]) {
            let name = try restart.string("Name") ?? ""
            let retries = try restart.int64("MaximumRetryCount") ?? 0
            let policy: RestartPolicy?
            switch name {
            case "", "no": policy = nil
            case "always": policy = .always
            case "unless-stopped": policy = .unlessStopped
            case "on-failure": policy = .onFailure(maxRetries: retries == 0 ? nil : Int(retries))
            default: throw invalid("HostConfig.RestartPolicy.Name", "\"\(name)\" is not a restart policy the engine knows")
            }
            if let policy { body.request.restart = Flagged(policy, origin("RestartPolicy", name)) }
        }
        if let log = try host.object("LogConfig", known: ["Type", "Config"]) {
            let type = try log.string("Type") ?? ""
            _ = try log.stringMap("Config")
            if !["", "json-file", "local"].contains(type) {
                unsupported(
                    "LogConfig",
                    "the log driver \(type) sends the container's output where securerun does not look; use the engine's json-file or local driver")
            }
        }
        if let driver = try host.string("VolumeDriver"), !driver.isEmpty {
            unsupported("VolumeDriver", "named volumes are not supported, so there is no volume driver to choose; mount host directories read-only")
        }
        if host.isSet("StorageOpt") { unsupported("StorageOpt", "the root filesystem is read-only, so there is no storage to size") }
        if let isolation = try host.string("Isolation"), !["", "default"].contains(isolation.lowercased()) {
            unsupported("Isolation", "isolation \(isolation) is for Windows containers; Linux has only default")
        }
        try readResources(host, origin: origin)
        try readMounts(host, origin: origin)
        try readNetwork(host, origin: origin)
    }

    mutating func readResources(_ host: BodyObject, origin: (String, String?) -> FlagOrigin) throws(EnginePluginError) {
        if let memory = try host.int64("Memory") {
            body.floor.memory = memory
            if memory != 0 {
                guard memory > 0 else { throw invalid("HostConfig.Memory", "a negative memory limit") }
                body.request.memory = Flagged(ByteSize(bytes: memory), origin("Memory", "\(memory)"))
            }
        }
        if let swap = try host.int64("MemorySwap") {
            body.floor.memorySwap = swap
            if swap == -1 {
                body.request.memorySwap = Flagged(.unlimited, origin("MemorySwap", "-1"))
            } else if swap > 0 {
                body.request.memorySwap = Flagged(.limit(ByteSize(bytes: swap)), origin("MemorySwap", "\(swap)"))
            } else if swap < -1 {
                throw invalid("HostConfig.MemorySwap", "a negative limit other than -1")
            }
        }
        if let reservation = try host.int64("MemoryReservation"), reservation != 0 {
            guard reservation > 0 else { throw invalid("HostConfig.MemoryReservation", "a negative reservation") }
            body.request.memoryReservation = Flagged(ByteSize(bytes: reservation), origin("MemoryReservation", "\(reservation)"))
        }
        if let swappiness = try host.int64("MemorySwappiness"), swappiness != -1 {
            guard (0...100).contains(swappiness) else { throw invalid("HostConfig.MemorySwappiness", "the range is 0 to 100 (or -1)") }
            body.request.memorySwappiness = Flagged(Int(swappiness), origin("MemorySwappiness", "\(swappiness)"))
        }
        if let nano = try host.int64("NanoCpus") {
            body.floor.nanoCPUs = nano
            if nano != 0 { body.request.nanoCPUs = Flagged(nano, origin("NanoCpus", "\(nano)")) }
        }
        if let quota = try host.int64("CpuQuota") {
            body.floor.cpuQuota = quota
            if quota != 0 { body.request.cpuQuota = Flagged(quota, origin("CpuQuota", "\(quota)")) }
        }
        if let period = try host.int64("CpuPeriod"), period != 0 { body.request.cpuPeriod = Flagged(period, origin("CpuPeriod", "\(period)")) }
        if let shares = try host.int64("CpuShares"), shares != 0 { body.request.cpuShares = Flagged(shares, origin("CpuShares", "\(shares)")) }
        for key in ["CpuRealtimePeriod", "CpuRealtimeRuntime"] {
            if let value = try host.int64(key), value != 0 { body.request.realtimeCPU.append(Flagged(value, origin(key, "\(value)"))) }
        }
        if let cpus = try host.string("CpusetCpus"), !cpus.isEmpty {
            body.request.cpusetCPUs = Flagged(try cpuSet(cpus, field: "HostConfig.CpusetCpus"), origin("CpusetCpus", cpus))
        }
        if let mems = try host.string("CpusetMems"), !mems.isEmpty {
            body.request.cpusetMems = Flagged(try cpuSet(mems, field: "HostConfig.CpusetMems"), origin("CpusetMems", mems))
        }
        // 0 is what clients send when no limit was asked for (the floor check refuses it); -1 asks for none.
        if let pids = try host.int64("PidsLimit") {
            body.floor.pidsLimit = pids
            if pids != 0 { body.request.pidsLimit = Flagged(pids, origin("PidsLimit", "\(pids)")) }
        }
        for limit in try host.objects("Ulimits", known: ["Name", "Soft", "Hard"]) ?? [] {
            let name = try limit.string("Name") ?? ""
            guard let parsed = UlimitName(rawValue: name) else { throw invalid("HostConfig.Ulimits", "\"\(name)\" is not a resource limit the engine sets") }
            let soft = try limit.int64("Soft") ?? 0
            let hard = try limit.int64("Hard") ?? 0
            body.request.ulimits.append(Flagged(Ulimit(name: parsed, soft: soft, hard: hard), origin("Ulimits", "\(name)=\(soft):\(hard)")))
        }
        for key in ["KernelMemory", "KernelMemoryTCP"] where host.isSet(key) {
            body.request.unsupported.append(
                Flagged("kernel memory limits are no longer supported by the kernel; HostConfig.Memory covers kernel memory", origin(key, nil)))
        }
        for key in ["CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth"] where host.isSet(key) {
            body.request.unsupported.append(Flagged("\(key) applies to Windows containers only", origin(key, nil)))
        }
        for key in ["BlkioWeight", "BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps"]
        where host.isSet(key) {
            body.request.unsupported.append(Flagged("securerun does not set block I/O limits yet", origin(key, nil)))
        }
        if let shm = try host.int64("ShmSize"), shm != 0 {
            guard shm > 0 else { throw invalid("HostConfig.ShmSize", "a negative size") }
            body.request.shmSize = Flagged(ByteSize(bytes: shm), origin("ShmSize", "\(shm)"))
        }
    }

    // MARK: - Mounts

    mutating func readMounts(_ host: BodyObject, origin: (String, String?) -> FlagOrigin) throws(EnginePluginError) {
        for bind in try host.strings("Binds") ?? [] {
            body.request.mounts.append(Flagged(try Self.bind(bind, endpoint: endpoint), origin("Binds", bind)))
        }
        let mountKeys: Set<String> = [
            "Type", "Source", "Target", "ReadOnly", "Consistency", "BindOptions", "VolumeOptions", "TmpfsOptions", "ImageOptions", "ClusterOptions",
        ]
        for mount in try host.objects("Mounts", known: mountKeys) ?? [] {
            let type = try mount.string("Type") ?? ""
            let source = try mount.string("Source") ?? ""
            let target = try mount.string("Target") ?? ""
            let readOnly = try mount.bool("ReadOnly") ?? false
            _ = try mount.string("Consistency")
            let shown = "type=\(type),source=\(source),target=\(target)\(readOnly ? ",readonly" : "")"
            let mountOrigin = origin("Mounts", shown)
            switch type {
            case "bind":
                var propagation: String?
                if let options = try mount.object(
                    "BindOptions", known: ["Propagation", "NonRecursive", "CreateMountpoint", "ReadOnlyNonRecursive", "ReadOnlyForceRecursive"])
                {
                    let value = try options.string("Propagation") ?? ""
                    if !["", "private", "rprivate"].contains(value) { propagation = value }
                    _ = try options.bool("NonRecursive")
                    _ = try options.bool("ReadOnlyForceRecursive")
                    if try options.bool("CreateMountpoint") == true {
                        throw invalid("\(options.path).CreateMountpoint", "the engine would create the host path as root; create the directory yourself")
                    }
                    if try options.bool("ReadOnlyNonRecursive") == true {
                        throw invalid("\(options.path).ReadOnlyNonRecursive", "mounts under a read-only bind would stay writable")
                    }
                }
                guard mount.node("VolumeOptions") == nil, mount.node("TmpfsOptions") == nil else {
                    throw invalid(mount.path, "a bind mount takes no volume or tmpfs options")
                }
                body.request.mounts.append(
                    Flagged(.bind(BindRequest(source: source, destination: target, readOnly: readOnly, propagation: propagation)), mountOrigin))
            case "volume":
                body.request.mounts.append(Flagged(.volume(name: source.isEmpty ? nil : source, destination: target), mountOrigin))
            case "tmpfs":
                var size: ByteSize?
                var mode: UInt32?
                if let options = try mount.object("TmpfsOptions", known: ["SizeBytes", "Mode", "Options"]) {
                    if let bytes = try options.int64("SizeBytes"), bytes != 0 {
                        guard bytes > 0 else { throw invalid("\(options.path).SizeBytes", "a negative size") }
                        size = ByteSize(bytes: bytes)
                    }
                    if let value = try options.int64("Mode"), value != 0 {
                        guard let parsed = UInt32(exactly: value), parsed <= 0o7777 else { throw invalid("\(options.path).Mode", "not a file mode") }
                        mode = parsed
                    }
                    if options.isSet("Options") {
                        throw invalid("\(options.path).Options", "securerun does not read raw tmpfs options here; use HostConfig.Tmpfs")
                    }
                }
                if size == nil { body.floor.unsizedTmpfs.append(mountOrigin) }
                body.request.mounts.append(Flagged(.tmpfs(TmpfsRequest(path: target, size: size, mode: mode, exec: false)), mountOrigin))
            default:
                throw invalid("\(mount.path).Type", "mounts of type \"\(type)\" are not supported; use a read-only bind or a tmpfs")
            }
        }
        for (path, options) in try host.stringMap("Tmpfs") ?? [] {
            let tmpfsOrigin = origin("Tmpfs", options.isEmpty ? path : "\(path):\(options)")
            let parsed = try Self.tmpfs(path, options: options, endpoint: endpoint)
            if parsed.size == nil { body.floor.unsizedTmpfs.append(tmpfsOrigin) }
            body.request.tmpfs.append(Flagged(parsed, tmpfsOrigin))
        }
    }

    /// A `Binds` entry as dockerd's Linux parser reads it: `SRC:DST[:MODE]` (a relative source is a named
    /// volume), or `DST` alone (an anonymous volume); modes are comma-separated.
    static func bind(_ text: String, endpoint: String) throws(EnginePluginError) -> MountRequest {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let field = "HostConfig.Binds"
        guard (1...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw .invalidBody(endpoint: endpoint, field: field, reason: "\"\(text)\" is not SOURCE:DESTINATION[:MODE]")
        }
        if parts.count == 1 { return .volume(name: nil, destination: parts[0]) }
        let source = parts[0]
        let destination = parts[1]
        var readOnly = false
        var readWrite = false
        var propagation: String?
        var relabel: String?
        if parts.count == 3 {
            for mode in parts[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
                switch mode {
                case "ro": readOnly = true
                case "rw": readWrite = true
                case "z", "Z": relabel = mode
                case "private", "rprivate": break
                case "shared", "rshared", "slave", "rslave": propagation = mode
                case "nocopy", "consistent", "cached", "delegated": break
                default: throw .invalidBody(endpoint: endpoint, field: field, reason: "\"\(mode)\" in \"\(text)\" is not a mode the engine knows")
                }
            }
            if readOnly && readWrite { throw .invalidBody(endpoint: endpoint, field: field, reason: "\"\(text)\" is both ro and rw") }
        }
        guard source.hasPrefix("/") else { return .volume(name: source, destination: destination) }
        return .bind(BindRequest(source: source, destination: destination, readOnly: readOnly, propagation: propagation, relabel: relabel))
    }

    /// A `Tmpfs` entry as the engine applies it: its defaults `noexec,nosuid,nodev` first, then the given
    /// options, the last of two opposites winning; `size=` as the kernel's tmpfs reads it (`memparse`: a
    /// C integer, `0x` hex and leading-0 octal included, then k, m, g, t, p or e).
    static func tmpfs(_ path: String, options: String, endpoint: String) throws(EnginePluginError) -> TmpfsRequest {
        var request = TmpfsRequest(path: path, exec: false)
        let field = "HostConfig.Tmpfs.\(path)"
        guard !options.isEmpty else { return request }
        for option in options.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let pair = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let value = pair.count > 1 ? pair[1] : nil
            switch pair[0] {
            case "exec": request.exec = true
            case "noexec": request.exec = false
            case "suid": request.setuid = true
            case "nosuid": request.setuid = false
            case "dev": request.devices = true
            case "nodev": request.devices = false
            case "rw", "ro", "nr_inodes", "nr_blocks", "uid", "gid", "mpol", "noatime", "relatime", "nodiratime": break
            case "size":
                guard let value, let bytes = memparse(value) else {
                    throw .invalidBody(endpoint: endpoint, field: field, reason: "size \"\(value ?? "")\": give a size in bytes with k, m or g (such as 16m)")
                }
                request.size = ByteSize(bytes: bytes)
            case "mode":
                guard let value, let mode = UInt32(value, radix: 8), mode <= 0o7777 else {
                    throw .invalidBody(endpoint: endpoint, field: field, reason: "mode \"\(value ?? "")\" is not an octal file mode")
                }
                request.mode = mode
            default:
                throw .invalidBody(endpoint: endpoint, field: field, reason: "\"\(option)\" is not a tmpfs option securerun reads")
            }
        }
        return request
    }

    /// The kernel's `memparse`, as tmpfs reads `size=`; nil for anything else (a `%` of memory included).
    static func memparse(_ text: String) -> Int64? {
        var digits = Substring(text)
        var multiplier: Int64 = 1
        if let last = digits.last, let shift = ["k": 10, "m": 20, "g": 30, "t": 40, "p": 50, "e": 60][last.lowercased()] {
            multiplier = Int64(1) << Int64(shift)
            digits = digits.dropLast()
        }
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count > 1 && digits.hasPrefix("0") {
            radix = 8
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, let value = Int64(digits, radix: radix), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    // MARK: - Network

    mutating func readNetwork(_ host: BodyObject, origin: (String, String?) -> FlagOrigin) throws(EnginePluginError) {
        let mode = try host.string("NetworkMode") ?? ""
        body.floor.networkMode = mode
        if !mode.isEmpty && mode != "default" {
            body.request.network = Flagged(NetworkRequest(name: mode), origin("NetworkMode", mode))
        }
        if let bindings = host.node("PortBindings") {
            guard case .object(let ports) = bindings.value else { throw invalid("HostConfig.PortBindings", "expected an object") }
            for port in ports {
                let (containerPort, proto) = Self.port(port.key)
                guard case .array(let entries) = port.value.value else {
                    if case .null = port.value.value { continue }
                    throw invalid("HostConfig.PortBindings.\(port.key)", "expected a list")
                }
                for (index, entry) in entries.enumerated() {
                    let binding = try BodyObject(
                        entry, path: "HostConfig.PortBindings.\(port.key)[\(index)]", known: ["HostIp", "HostPort"], endpoint: endpoint)
                    let hostIP = try binding.string("HostIp")
                    let hostPort = try binding.string("HostPort").flatMap { Int($0) }
                    body.request.ports.append(
                        Flagged(
                            PortMapping(
                                hostIP: hostIP?.isEmpty == true ? nil : hostIP, hostPorts: hostPort.map { $0...$0 },
                                containerPorts: containerPort...containerPort, proto: proto),
                            origin("PortBindings", port.key)))
                }
            }
        }
        if try host.bool("PublishAllPorts") == true {
            body.request.networkSettings.append(Flagged(.publishAll, origin("PublishAllPorts", "true")))
        }
        for entry in try host.strings("Dns") ?? [] { body.request.networkSettings.append(Flagged(.dns(entry), origin("Dns", entry))) }
        for entry in try host.strings("DnsOptions") ?? [] {
            body.request.networkSettings.append(Flagged(.dnsOption(entry), origin("DnsOptions", entry)))
        }
        for entry in try host.strings("DnsSearch") ?? [] {
            body.request.networkSettings.append(Flagged(.dnsSearch(entry), origin("DnsSearch", entry)))
        }
        for entry in try host.strings("ExtraHosts") ?? [] {
            body.request.networkSettings.append(Flagged(.addHost(entry), origin("ExtraHosts", entry)))
        }
        for entry in try host.strings("Links") ?? [] { body.request.networkSettings.append(Flagged(.link(entry), origin("Links", entry))) }
    }

    mutating func readNetworking(_ top: BodyObject) throws(EnginePluginError) {
        guard let networking = try top.object("NetworkingConfig", known: ["EndpointsConfig"]) else { return }
        guard let endpoints = try networking.keys("EndpointsConfig") else { return }
        body.floor.endpoints = endpoints
    }

    static func port(_ text: String) -> (Int, String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        return (Int(parts.first ?? "") ?? 0, parts.count > 1 ? parts[1] : "tcp")
    }

    // MARK: - Values

    func capability(_ name: String, field: String) throws(EnginePluginError) -> CapabilityName {
        if name.uppercased() == "ALL" || name.uppercased() == "CAP_ALL" { return .all }
        do {
            return .capability(try Capability(parsing: name))
        } catch {
            throw invalid(field, "unknown capability \"\(name)\"")
        }
    }

    func cpuSet(_ text: String, field: String) throws(EnginePluginError) -> CPUSet {
        var members: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]), low >= 0, low <= high,
                high < 8192
            else { throw invalid(field, "\"\(text)\" is not a list of numbers and ranges (0-3,5)") }
            members.append(contentsOf: low...high)
        }
        return CPUSet(members)
    }

    mutating func namespace(_ kind: NamespaceKind, _ text: String?, origin: FlagOrigin) throws(EnginePluginError) {
        guard let text, !text.isEmpty else { return }
        let mode: NamespaceMode
        switch text {
        case "private": mode = .own
        case "host": mode = .host
        case "none" where kind == .ipc: mode = .none
        case "shareable" where kind == .ipc: mode = .shareable
        default:
            guard text.hasPrefix("container:"), kind == .pid || kind == .ipc else {
                throw invalid(origin.flag, "\"\(text)\" is not a mode the engine takes here")
            }
            mode = .container(String(text.dropFirst("container:".count)))
        }
        body.request.namespaces.append(Flagged(NamespaceRequest(kind: kind, mode: mode), origin))
    }

    /// One `SecurityOpt` entry as dockerd's `parseSecurityOpt` reads it: split at the first `=` when there
    /// is one, else at the first `:`; `no-new-privileges` alone is true; later entries override earlier ones.
    mutating func securityOption(_ option: String, origin: FlagOrigin) throws(EnginePluginError) {
        let field = "HostConfig.SecurityOpt"
        if option == "no-new-privileges" {
            body.floor.noNewPrivileges = true
            body.request.securityOptions.append(Flagged(.noNewPrivileges(true), origin))
            return
        }
        if option == "disable" {
            body.request.securityOptions.append(Flagged(.labelDisable, origin))
            return
        }
        let separator: Character = option.contains("=") ? "=" : ":"
        let parts = option.split(separator: separator, maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw invalid(field, "\"\(Self.shortened(option))\" is not KEY=VALUE") }
        let (key, value) = (parts[0], parts[1])
        switch key {
        case "no-new-privileges":
            guard let on = Self.goBool(value) else { throw invalid(field, "\"\(option)\": \(value) is not true or false") }
            body.floor.noNewPrivileges = on
            body.request.securityOptions.append(Flagged(.noNewPrivileges(on), origin))
        case "seccomp":
            if value == "unconfined" {
                body.seccomp = .unconfined
                body.request.securityOptions.append(Flagged(.seccompUnconfined, origin))
            } else {
                body.seccomp = .inline(value)
            }
        case "apparmor": body.request.securityOptions.append(Flagged(.apparmor(value), origin))
        case "label": body.request.securityOptions.append(Flagged(value == "disable" ? .labelDisable : .label(value), origin))
        case "systempaths":
            guard value == "unconfined" else { throw invalid(field, "\"\(option)\" is not an option the engine knows") }
            body.request.securityOptions.append(Flagged(.systemPathsUnconfined, origin))
        case "writable-cgroups":
            guard let on = Self.goBool(value) else { throw invalid(field, "\"\(option)\": \(value) is not true or false") }
            body.request.securityOptions.append(Flagged(.writableCgroups(on), origin))
        default:
            throw invalid(field, "\"\(Self.shortened(option))\" is not a security option securerun knows")
        }
    }

    /// Go's `strconv.ParseBool`.
    static func goBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: return nil
        }
    }

    /// A long option (an inline seccomp profile) cut for messages.
    static func shortened(_ text: String) -> String { text.count > 48 ? String(text.prefix(45)) + "…" : text }
}
