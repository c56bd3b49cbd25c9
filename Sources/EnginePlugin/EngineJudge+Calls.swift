import Policy
import StrictJSON

extension EngineJudge {
    // MARK: - Exec

    /// `POST /containers/{id}/exec`: never privileged; the user a numeric non-root `uid:gid`, or the
    /// container's own when none is given (judged the same way: a container created before the plugin
    /// was installed may run as root).
    func judgeExecCreate(_ bytes: [UInt8], container: String) throws(EnginePluginError) {
        let endpoint = "POST /containers/{id}/exec"
        let body = try BodyObject(
            try Self.parse(bytes, endpoint: endpoint), path: "",
            known: [
                "AttachStdin", "AttachStdout", "AttachStderr", "ConsoleSize", "Detach", "DetachKeys", "Tty", "Env", "Cmd", "Privileged", "User",
                "WorkingDir",
            ],
            endpoint: endpoint)
        for key in ["AttachStdin", "AttachStdout", "AttachStderr", "Tty", "Detach"] { _ = try body.bool(key) }
        _ = try body.strings("Env")
        _ = try body.strings("Cmd", orString: true)
        _ = try body.string("WorkingDir")
        _ = try body.string("DetachKeys")
        try judgeExec(user: try body.string("User") ?? "", privileged: try body.bool("Privileged") ?? false, container: container)
    }

    /// `POST /exec/{id}/start`: the exec as the engine holds it (one created before the plugin ran too).
    func judgeExecStart(_ exec: String) throws(EnginePluginError) {
        guard let facts = try EngineFacts.exec(exec, engine: engine) else { return }
        try judgeExec(user: facts.ProcessConfig.user ?? "", privileged: facts.ProcessConfig.privileged ?? false, container: facts.ContainerID)
    }

    func judgeExec(user: String, privileged: Bool, container: String) throws(EnginePluginError) {
        if privileged {
            throw violation(
                .privileged, "Privileged=true (docker exec --privileged)",
                "an exec never gets more than its container: privileged gives it every capability and no seccomp filter")
        }
        var effective = user
        var typed = "User=\(user) (docker exec -u)"
        if user.isEmpty {
            guard let facts = try EngineFacts.container(container, engine: engine) else { return }
            effective = facts.Config?.User ?? ""
            typed = "User unset (docker exec -u): the container's user \"\(effective)\""
        }
        let parts = effective.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.contains("root") {
            throw violation(.nonRootUser, typed, "exec never runs as root (uid or gid 0); give a numeric non-root uid:gid, such as \(profile.user)")
        }
        guard parts.count == 2, let id = UserID(parsing: effective) else {
            throw violation(
                .nonRootUser, typed,
                "exec runs as a numeric non-root uid:gid, such as \(profile.user): the engine resolves a name, or a group left out, in the container's own /etc/passwd, which may say 0"
            )
        }
        if id.isRoot { throw violation(.nonRootUser, typed, "exec never runs as root (uid or gid 0)") }
    }

    // MARK: - Update

    /// `POST /containers/{id}/update`: limits only go down (never to 0 or -1, which mean unlimited), and no
    /// restart policy (the engine would restart the container without a start call to judge its image).
    func judgeUpdate(_ bytes: [UInt8], container: String) throws(EnginePluginError) {
        let endpoint = "POST /containers/{id}/update"
        let body = try BodyObject(
            try Self.parse(bytes, endpoint: endpoint), path: "", known: EngineFields.resources.union(["RestartPolicy"]), endpoint: endpoint)
        if let restart = try body.object("RestartPolicy", known: ["Name", "MaximumRetryCount"]) {
            let name = try restart.string("Name") ?? ""
            if !["", "no"].contains(name) {
                throw violation(
                    .restartPolicy, "RestartPolicy=\(name) (docker update --restart; compose: restart)",
                    "the Docker Engine would restart the container by itself, without taking the admission decision again; run it with securerun run --runtime runc or crun and --restart, whose monitor restarts it after checking the image and the profile again"
                )
            }
        }
        let facts = try EngineFacts.container(container, engine: engine)
        func typed(_ field: String, _ value: Int64) -> String { "\(field)=\(value) (docker update)" }
        if let memory = try body.int64("Memory"), memory != 0 {
            let current = facts?.HostConfig?.Memory ?? 0
            let ceiling = current > 0 ? min(current, profile.memory.bytes) : profile.memory.bytes
            if memory < 0 || memory > ceiling {
                throw violation(.memory, typed("Memory", memory), "memory may only be lowered (it is \(ByteSize(bytes: ceiling)) at most)")
            }
        }
        if let swap = try body.int64("MemorySwap"), swap != 0 {
            let current = facts?.HostConfig?.MemorySwap ?? 0
            if swap < 0 || (current > 0 && swap > current) || swap > profile.memorySwap.bytes {
                throw violation(.memory, typed("MemorySwap", swap), "memory plus swap may only be lowered, never to -1 (unlimited)")
            }
        }
        let currentCPUs = facts?.cpus ?? profile.cpus
        let ceilingCPUs = min(currentCPUs, profile.cpus)
        if let nano = try body.int64("NanoCpus"), nano != 0 {
            if nano < 0 || Double(nano) / 1e9 > ceilingCPUs + 1e-9 {
                throw violation(.cpu, typed("NanoCpus", nano), "CPU may only be lowered (it is \(ceilingCPUs) CPUs at most)")
            }
        }
        let period = try body.int64("CpuPeriod") ?? 0
        if let quota = try body.int64("CpuQuota"), quota != 0 {
            let effectivePeriod = period > 0 ? period : (facts?.HostConfig?.CpuPeriod).flatMap { $0 > 0 ? $0 : nil } ?? 100_000
            if quota < 0 || Double(quota) / Double(effectivePeriod) > ceilingCPUs + 1e-9 {
                throw violation(.cpu, typed("CpuQuota", quota), "CPU may only be lowered (it is \(ceilingCPUs) CPUs at most), never to -1 (unlimited)")
            }
        } else if period != 0 {
            throw violation(.cpu, typed("CpuPeriod", period), "a new period alone changes the CPU the quota gives; send CpuQuota with it")
        }
        if let pids = try body.int64("PidsLimit") {
            let current = facts?.HostConfig?.PidsLimit ?? 0
            let ceiling = current > 0 ? min(current, profile.pidsLimit) : profile.pidsLimit
            if pids <= 0 || pids > ceiling {
                throw violation(
                    .pids, typed("PidsLimit", pids), "the number of tasks may only be lowered (it is \(ceiling) at most), never to 0 or -1 (unlimited)")
            }
        }
        if let shares = try body.int64("CpuShares"), shares > 1024 || shares < 0 {
            throw violation(.cpu, typed("CpuShares", shares), "a CPU weight above docker's default of 1024 takes CPU time from other containers")
        }
        if let reservation = try body.int64("MemoryReservation"), reservation < 0 {
            throw violation(.memory, typed("MemoryReservation", reservation), "a negative reservation")
        }
        _ = try body.string("CpusetCpus")
        _ = try body.string("CpusetMems")
        _ = try body.int64("MemorySwappiness")
        let others: [(String, PolicyViolation.Rule)] = [
            ("Devices", .hostDevices), ("DeviceCgroupRules", .hostDevices), ("DeviceRequests", .hostDevices), ("CpuRealtimePeriod", .cpu),
            ("CpuRealtimeRuntime", .cpu), ("OomKillDisable", .oomProtection), ("Ulimits", .ulimits), ("CgroupParent", .cgroupParent),
            ("KernelMemory", .notSupported), ("KernelMemoryTCP", .notSupported), ("CpuCount", .notSupported), ("CpuPercent", .notSupported),
            ("IOMaximumIOps", .notSupported), ("IOMaximumBandwidth", .notSupported), ("BlkioWeight", .notSupported),
            ("BlkioWeightDevice", .notSupported), ("BlkioDeviceReadBps", .notSupported), ("BlkioDeviceWriteBps", .notSupported),
            ("BlkioDeviceReadIOps", .notSupported), ("BlkioDeviceWriteIOps", .notSupported),
        ]
        for (key, rule) in others where body.isSet(key) {
            throw violation(rule, "\(key) (docker update)", "update only lowers memory, swap, CPU and pids limits")
        }
    }

    // MARK: - Volumes

    /// `POST /volumes/create`: the local driver only, and no options that mount a host path or device
    /// (`--opt type=none --opt o=bind --opt device=/` is a bind of the host's root under another name).
    func judgeVolume(_ bytes: [UInt8]) throws(EnginePluginError) {
        let endpoint = "POST /volumes/create"
        let body = try BodyObject(
            try Self.parse(bytes, endpoint: endpoint), path: "", known: ["Name", "Driver", "DriverOpts", "Labels", "ClusterVolumeSpec"],
            endpoint: endpoint)
        let name = try body.string("Name") ?? ""
        _ = try body.stringMap("Labels")
        let driver = try body.string("Driver") ?? ""
        if !["", "local"].contains(driver) {
            throw violation(
                .volumes, "Driver=\(driver) (docker volume create -d; compose: volumes.\(name).driver)",
                "volume drivers other than local mount whatever their plugin decides, which securerun cannot judge")
        }
        if body.isSet("ClusterVolumeSpec") {
            throw .endpointRefused(endpoint: endpoint, reason: "cluster volumes belong to swarm services, which securerun refuses")
        }
        let options = try body.stringMap("DriverOpts") ?? []
        guard !options.isEmpty else { return }
        let values = Dictionary(options.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        let shown = options.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let typed = "DriverOpts \(shown) (docker volume create --opt; compose: volumes.\(name).driver_opts)"
        let type = values["type"] ?? ""
        let mountOptions = (values["o"] ?? "").split(separator: ",").map { String($0.split(separator: "=").first ?? "") }
        if mountOptions.contains("bind") || mountOptions.contains("rbind") || type == "none" {
            throw violation(
                .volumes, typed,
                "a local volume with o=bind (or type none) is a bind mount of the host path \(values["device"] ?? "in device"), which volume rules never see; mount a host directory read-only with -v instead"
            )
        }
        guard type == "tmpfs", Set(values.keys).isSubset(of: ["type", "o", "device"]) else {
            throw violation(
                .volumes, typed,
                "local volume options mount a host device or network filesystem (type, device), which securerun cannot judge; only type=tmpfs is allowed")
        }
    }

    static func parse(_ bytes: [UInt8], endpoint: String) throws(EnginePluginError) -> JSONNode {
        do {
            return try JSONParser.parse(bytes, limits: JSONLimits(maxBytes: AuthZProtocol.engineForwardingLimit, maxDepth: 16))
        } catch {
            throw .invalidBody(endpoint: endpoint, field: "", reason: "not a JSON document securerun can read the way the engine does: \(error)")
        }
    }
}
