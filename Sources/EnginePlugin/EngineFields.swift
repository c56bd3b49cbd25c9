import Policy

/// How a create body's fields are named in refusals: the Engine API field, and the compose key that sets
/// it, so a compose user knows what to write.
enum EngineFields {
    /// Compose keys for Engine API fields (compose file format 2.x/3.x, as docker-compose writes them).
    static let compose: [String: String] = [
        "User": "user", "ReadonlyRootfs": "read_only", "CapAdd": "cap_add", "CapDrop": "cap_drop", "SecurityOpt": "security_opt",
        "Memory": "mem_limit", "MemorySwap": "memswap_limit", "MemoryReservation": "mem_reservation", "MemorySwappiness": "mem_swappiness",
        "NanoCpus": "cpus", "CpuQuota": "cpu_quota", "CpuPeriod": "cpu_period", "CpuShares": "cpu_shares", "CpusetCpus": "cpuset",
        "CpuRealtimePeriod": "cpu_rt_period", "CpuRealtimeRuntime": "cpu_rt_runtime", "PidsLimit": "pids_limit", "Privileged": "privileged",
        "NetworkMode": "network_mode", "PidMode": "pid", "IpcMode": "ipc", "UTSMode": "uts", "UsernsMode": "userns_mode",
        "CgroupnsMode": "cgroup", "Cgroup": "cgroup", "CgroupParent": "cgroup_parent", "Devices": "devices",
        "DeviceCgroupRules": "device_cgroup_rules", "DeviceRequests": "gpus", "Binds": "volumes", "Mounts": "volumes", "Volumes": "volumes",
        "Tmpfs": "tmpfs", "ShmSize": "shm_size", "OomKillDisable": "oom_kill_disable", "OomScoreAdj": "oom_score_adj", "Runtime": "runtime",
        "Sysctls": "sysctls", "Ulimits": "ulimits", "PortBindings": "ports", "ExposedPorts": "expose", "Dns": "dns", "DnsSearch": "dns_search",
        "DnsOptions": "dns_opt", "ExtraHosts": "extra_hosts", "Links": "links", "VolumesFrom": "volumes_from", "RestartPolicy": "restart",
        "GroupAdd": "group_add", "Init": "init", "LogConfig": "logging", "StorageOpt": "storage_opt", "Hostname": "hostname",
        "Domainname": "domainname", "MacAddress": "mac_address", "Annotations": "annotations", "VolumeDriver": "volume_driver",
        "Isolation": "isolation", "BlkioWeight": "blkio_config", "Env": "environment", "WorkingDir": "working_dir",
        "Entrypoint": "entrypoint", "Cmd": "command", "Image": "image", "Labels": "labels", "MaskedPaths": "security_opt",
        "ReadonlyPaths": "security_opt", "name": "container_name", "platform": "platform", "NetworkingConfig": "networks",
    ]

    /// `HostConfig.Privileged=true (compose: privileged)`: the field path, the value as sent, the compose key.
    static func origin(_ path: String, _ value: String?) -> FlagOrigin {
        let last = String(path.split(separator: ".").last ?? Substring(path)).split(separator: "[").first.map(String.init) ?? path
        let key = compose[last].map { " (compose: \($0))" } ?? ""
        let shown = value.map { "=\($0)" } ?? ""
        return FlagOrigin(flag: path, typed: "\(path)\(shown)\(key)", index: nil)
    }

    /// The compose key for `field`, or nil.
    static func composeKey(_ field: String) -> String? { compose[field] }

    /// Config fields of a create body (the top level), Engine API 1.41 to 1.51.
    static let config: Set<String> = [
        "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts", "Tty", "OpenStdin", "StdinOnce", "Env",
        "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir", "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild",
        "Labels", "StopSignal", "StopTimeout", "Shell", "HostConfig", "NetworkingConfig",
    ]

    /// The resource fields of HostConfig (also the body of `containers/{id}/update`).
    static let resources: Set<String> = [
        "CpuShares", "Memory", "NanoCpus", "CgroupParent", "BlkioWeight", "BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps",
        "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpusetCpus",
        "CpusetMems", "Devices", "DeviceCgroupRules", "DeviceRequests", "KernelMemory", "KernelMemoryTCP", "MemoryReservation", "MemorySwap",
        "MemorySwappiness", "OomKillDisable", "PidsLimit", "Ulimits", "CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth",
    ]

    /// HostConfig fields, Engine API 1.41 to 1.51.
    static let hostConfig: Set<String> = resources.union([
        "Binds", "ContainerIDFile", "LogConfig", "NetworkMode", "PortBindings", "RestartPolicy", "AutoRemove", "VolumeDriver", "VolumesFrom",
        "ConsoleSize", "Annotations", "CapAdd", "CapDrop", "CgroupnsMode", "Dns", "DnsOptions", "DnsSearch", "ExtraHosts", "GroupAdd",
        "IpcMode", "Cgroup", "Links", "OomScoreAdj", "PidMode", "Privileged", "PublishAllPorts", "ReadonlyRootfs", "SecurityOpt", "StorageOpt",
        "Tmpfs", "UTSMode", "UsernsMode", "ShmSize", "Sysctls", "Runtime", "Isolation", "Mounts", "MaskedPaths", "ReadonlyPaths", "Init",
    ])
}
