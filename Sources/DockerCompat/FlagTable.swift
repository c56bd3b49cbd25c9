/// Every flag of `docker run` / `docker create` (docker/cli `cli/command/container/opts.go`, `run.go`,
/// `create.go`) and securerun's own, each named by its long form.
public enum FlagID: String, Sendable, CaseIterable {
    // securerun's own
    case profile, dryRun = "dry-run", securerunRuntime = "securerun-runtime", egressRate = "egress-rate", ingressRate = "ingress-rate"
    // run.go / create.go
    case detach, sigProxy = "sig-proxy", name, detachKeys = "detach-keys", pull, quiet, useAPISocket = "use-api-socket", help, platform
    case disableContentTrust = "disable-content-trust"
    // general
    case attach, deviceCgroupRule = "device-cgroup-rule", device, gpus, env, envFile = "env-file", entrypoint, groupAdd = "group-add"
    case hostname, domainname, interactive, label, labelFile = "label-file", readOnly = "read-only", restart, stopSignal = "stop-signal"
    case stopTimeout = "stop-timeout", sysctl, tty, ulimit, user, workdir, rm
    // security
    case capAdd = "cap-add", capDrop = "cap-drop", privileged, securityOpt = "security-opt", userns, cgroupns
    // network
    case addHost = "add-host", dns, dnsOption = "dns-option", dnsSearch = "dns-search", expose, ip, ip6, link, linkLocalIP = "link-local-ip"
    case macAddress = "mac-address", publish, publishAll = "publish-all", network, networkAlias = "network-alias"
    // logging and storage
    case logDriver = "log-driver", volumeDriver = "volume-driver", logOpt = "log-opt", storageOpt = "storage-opt", tmpfs
    case volumesFrom = "volumes-from", volume, mount
    // health
    case healthCmd = "health-cmd", healthInterval = "health-interval", healthRetries = "health-retries", healthTimeout = "health-timeout"
    case healthStartPeriod = "health-start-period", healthStartInterval = "health-start-interval", noHealthcheck = "no-healthcheck"
    case healthOnFailure = "health-on-failure"
    // resources
    case blkioWeight = "blkio-weight", blkioWeightDevice = "blkio-weight-device", cidfile, cpusetCPUs = "cpuset-cpus", cpusetMems = "cpuset-mems"
    case cpuCount = "cpu-count", cpuPercent = "cpu-percent", cpuPeriod = "cpu-period", cpuQuota = "cpu-quota", cpuRTPeriod = "cpu-rt-period"
    case cpuRTRuntime = "cpu-rt-runtime", cpuShares = "cpu-shares", cpus, deviceReadBps = "device-read-bps", deviceReadIOps = "device-read-iops"
    case deviceWriteBps = "device-write-bps", deviceWriteIOps = "device-write-iops", ioMaxBandwidth = "io-maxbandwidth", ioMaxIOps = "io-maxiops"
    case kernelMemory = "kernel-memory", memory, memoryReservation = "memory-reservation", memorySwap = "memory-swap"
    case memorySwappiness = "memory-swappiness", oomKillDisable = "oom-kill-disable", oomScoreAdj = "oom-score-adj", pidsLimit = "pids-limit"
    // low level
    case cgroupParent = "cgroup-parent", ipc, isolation, pid, shmSize = "shm-size", uts, runtime, initProcess = "init", annotation
}

/// What a flag takes.
public enum FlagKind: Sendable, Equatable {
    /// No value, or `=BOOL` (`--rm`, `--rm=true`, `--read-only=false`).
    case boolean
    /// A value: `--name x`, `--name=x`, `-eFOO=bar`.
    case value
}

/// One flag of the grammar.
public struct DockerFlag: Sendable, Equatable {
    /// Which flag.
    public var id: FlagID
    /// The long name (`memory`), without dashes.
    public var long: String
    /// Hidden long aliases docker also accepts (`net` for `network`).
    public var aliases: [String]
    /// The one-letter form (`m`), if any.
    public var short: Character?
    /// Boolean or valued.
    public var kind: FlagKind
    /// Whether repeating it adds values (`-e`, `-v`); otherwise the last one counts, as in docker.
    public var repeatable: Bool
    /// The help line (what securerun does with it).
    public var help: String
    /// The help section.
    public var section: String

    /// `-m, --memory` as docker's messages write it.
    public var displayName: String { short.map { "-\($0), --\(long)" } ?? "--\(long)" }
}

/// Which command's grammar to parse.
public enum GrammarMode: Sendable, Equatable {
    /// `securerun run`: docker's run flags plus `--profile`, `--dry-run` and securerun's `--runtime runc|crun`.
    case securerunRun
    /// `docker run` as the drop-in sees it: docker's flags only; `--runtime` is docker's (and refused).
    case dockerRun
    /// `docker create`: as `docker run` without `-d`, `--sig-proxy` and `--detach-keys`.
    case dockerCreate
}

/// The flag table for one mode.
public struct FlagTable: Sendable {
    /// The flags, in help order.
    public let flags: [DockerFlag]
    let byLong: [String: DockerFlag]
    let byShort: [Character: DockerFlag]

    /// The table of `mode`.
    public init(mode: GrammarMode) {
        var flags = Self.dockerFlags
        switch mode {
        case .securerunRun:
            flags.insert(contentsOf: Self.securerunFlags, at: 0)
            flags.removeAll { $0.id == .runtime }
        case .dockerRun:
            break
        case .dockerCreate:
            flags.removeAll { [.detach, .sigProxy, .detachKeys].contains($0.id) }
        }
        self.flags = flags
        var byLong: [String: DockerFlag] = [:]
        var byShort: [Character: DockerFlag] = [:]
        for flag in flags {
            byLong[flag.long] = flag
            for alias in flag.aliases { byLong[alias] = flag }
            if let short = flag.short { byShort[short] = flag }
        }
        self.byLong = byLong
        self.byShort = byShort
    }

    /// The flag named `--name` (or a hidden alias).
    public func long(_ name: String) -> DockerFlag? { byLong[name] }
    /// The flag named `-c`.
    public func short(_ letter: Character) -> DockerFlag? { byShort[letter] }

    static func flag(
        _ id: FlagID, _ short: Character? = nil, _ kind: FlagKind = .value, repeatable: Bool = false, aliases: [String] = [], _ section: String,
        _ help: String
    ) -> DockerFlag {
        let long = id == .securerunRuntime ? "runtime" : id.rawValue
        return DockerFlag(id: id, long: long, aliases: aliases, short: short, kind: kind, repeatable: repeatable, help: help, section: section)
    }

    static let securerunFlags: [DockerFlag] = [
        flag(
            .profile, nil, .value, "securerun",
            "Hardening profile: a name (default, production, service, or one in /etc/securerun/profiles) or a path; default: $SECURERUN_PROFILE, else default"),
        flag(.securerunRuntime, nil, .value, "securerun", "OCI runtime: runc (the default) or crun"),
        flag(.dryRun, nil, .boolean, "securerun", "Print the OCI config.json that would run (and the network plan on stderr); start nothing"),
        flag(.egressRate, nil, .value, "securerun", "Cap traffic out of the container, such as 5mbit (private networking; at most the profile's)"),
        flag(.ingressRate, nil, .value, "securerun", "Cap traffic into the container, such as 5mbit (private networking; at most the profile's)"),
        flag(.healthOnFailure, nil, .value, "health", "What to do once unhealthy: none (the default), stop, or restart (podman's flag; not the drop-in's)"),
    ]

    static let dockerFlags: [DockerFlag] = [
        // Container
        flag(.detach, "d", .boolean, "container", "Run in the background and print the container's id; a monitor keeps its log"),
        flag(.interactive, "i", .boolean, "container", "Keep stdin open: the caller's stdin reaches the container (otherwise /dev/null)"),
        flag(.tty, "t", .boolean, "container", "Give the process a terminal of its own (relayed, never handed over)"),
        flag(.rm, nil, .boolean, "container", "Remove the container when it exits"),
        flag(.name, nil, .value, "container", "Container name"),
        flag(.initProcess, nil, .boolean, "container", "Run a minimal init (tini) as PID 1 that forwards signals and reaps zombies"),
        flag(.entrypoint, nil, .value, "container", "Replace the image's entrypoint (\"\" clears it); the image's Cmd is dropped too"),
        flag(.env, "e", .value, repeatable: true, "container", "Set KEY=VALUE, or pass KEY through from securerun's environment"),
        flag(.envFile, nil, .value, repeatable: true, "container", "Read KEY=VALUE lines from a file (# comments, KEY alone passes it through)"),
        flag(.workdir, "w", .value, "container", "Working directory inside the container (absolute)"),
        flag(.user, "u", .value, "container", "uid[:gid] or name[:group] to run as (never root)"),
        flag(.groupAdd, nil, .value, repeatable: true, "container", "Add a supplementary group (never 0 or root)"),
        flag(.hostname, "h", .value, "container", "Container hostname (-h; --help is the help)"),
        flag(.domainname, nil, .value, "container", "Container NIS domain name"),
        flag(.label, "l", .value, repeatable: true, "container", "Set a label KEY[=VALUE], kept in the container's record"),
        flag(.labelFile, nil, .value, repeatable: true, "container", "Read labels from a file"),
        flag(.stopSignal, nil, .value, "container", "Signal 'securerun stop' sends first (default SIGTERM)"),
        flag(.stopTimeout, nil, .value, "container", "Seconds 'securerun stop' waits before SIGKILL (default 10, -1 forever)"),
        flag(
            .restart, nil, .value, "container", "Restart policy (no, on-failure[:N], unless-stopped, always) as the profile allows; needs -d and runc or crun"),
        flag(.pull, nil, .value, "container", "missing or never (images come from securerun's store); always is refused"),
        flag(.platform, nil, .value, "container", "Only this host's platform"),
        flag(.quiet, "q", .boolean, "container", "Accepted: securerun prints no pull output"),
        flag(.sigProxy, nil, .boolean, "container", "Signals are always forwarded; --sig-proxy=false is refused"),
        flag(.detachKeys, nil, .value, "container", "Refused: the terminal relay has no detach keys"),
        flag(.attach, "a", .value, repeatable: true, "container", "Only what securerun attaches anyway: stdout, stderr (and stdin with -i)"),
        flag(.cidfile, nil, .value, "container", "Refused: use -d, which prints the id"),
        flag(.disableContentTrust, nil, .boolean, "container", "Accepted: admission checks signed scan attestations instead"),
        flag(.isolation, nil, .value, "container", "Only 'default' (Linux namespaces)"),
        // Security
        flag(.capAdd, nil, .value, repeatable: true, "security", "Keep a capability of the profile's allow-list"),
        flag(.capDrop, nil, .value, repeatable: true, "security", "Drop a capability (ALL drops every one)"),
        flag(.readOnly, nil, .boolean, "security", "Read-only root filesystem (always on; --read-only=false is refused)"),
        flag(.securityOpt, nil, .value, repeatable: true, "security", "no-new-privileges, seccomp=FILE (only stricter) or seccomp=builtin"),
        flag(.privileged, nil, .boolean, "security", "Refused: privileged containers bypass every protection"),
        flag(.userns, nil, .value, "security", "Refused when host"),
        flag(.cgroupns, nil, .value, "security", "private: a cgroup namespace of its own; host is refused"),
        flag(.pid, nil, .value, "security", "Refused when host or container:NAME"),
        flag(.ipc, nil, .value, "security", "private or none; host, shareable and container:NAME are refused"),
        flag(.uts, nil, .value, "security", "Refused when host"),
        flag(.device, nil, .value, repeatable: true, "security", "Refused: no host devices"),
        flag(.deviceCgroupRule, nil, .value, repeatable: true, "security", "Refused: no host devices"),
        flag(.gpus, nil, .value, "security", "Refused: no host devices"),
        flag(.sysctl, nil, .value, repeatable: true, "security", "Set a namespaced sysctl of the safe set"),
        flag(.oomKillDisable, nil, .boolean, "security", "Refused: the OOM killer may always kill the container"),
        flag(.oomScoreAdj, nil, .value, "security", "0 to 1000 (more likely to be killed); negative values are refused"),
        flag(.cgroupParent, nil, .value, "security", "Refused: containers live in securerun's cgroup"),
        flag(.useAPISocket, nil, .boolean, "security", "Refused: never the engine's API"),
        flag(.runtime, nil, .value, "security", "Refused: the runtime is securerun's choice"),
        flag(.annotation, nil, .value, repeatable: true, "security", "Refused: annotations reach the runtime unread"),
        // Resources
        flag(.memory, "m", .value, "resources", "Memory limit, at most the profile's (512m, 1.5g, 64MiB)"),
        flag(.memorySwap, nil, .value, "resources", "Memory plus swap, at most the profile's (-1 is refused)"),
        flag(.memoryReservation, nil, .value, "resources", "Memory soft limit, at most --memory"),
        flag(.memorySwappiness, nil, .value, "resources", "Swappiness 0 to 100"),
        flag(.kernelMemory, nil, .value, "resources", "Refused: no longer supported by the kernel"),
        flag(.shmSize, nil, .value, "resources", "Size of /dev/shm, at most 64m"),
        flag(.cpus, nil, .value, "resources", "CPUs, at most the profile's (0.5, 1.5)"),
        flag(.cpuQuota, nil, .value, "resources", "CFS quota in microseconds per period, within the profile's CPUs"),
        flag(.cpuPeriod, nil, .value, "resources", "CFS period in microseconds (1000 to 1000000)"),
        flag(.cpuShares, "c", .value, "resources", "Relative CPU weight, 2 to 1024"),
        flag(.cpusetCPUs, nil, .value, "resources", "CPUs to run on (0-3,5), among securerun's own"),
        flag(.cpusetMems, nil, .value, "resources", "Memory nodes to use"),
        flag(.cpuRTPeriod, nil, .value, "resources", "Refused: no real-time CPU budget"),
        flag(.cpuRTRuntime, nil, .value, "resources", "Refused: no real-time CPU budget"),
        flag(.cpuCount, nil, .value, "resources", "Refused: Windows only"),
        flag(.cpuPercent, nil, .value, "resources", "Refused: Windows only"),
        flag(.pidsLimit, nil, .value, "resources", "Maximum tasks, at most the profile's (0 and -1 are refused)"),
        flag(.ulimit, nil, .value, repeatable: true, "resources", "Lower a resource limit: NAME=SOFT[:HARD]"),
        flag(.blkioWeight, nil, .value, "resources", "Refused: no block I/O limits yet"),
        flag(.blkioWeightDevice, nil, .value, repeatable: true, "resources", "Refused: no block I/O limits yet"),
        flag(.deviceReadBps, nil, .value, repeatable: true, "resources", "Refused: no block I/O limits yet"),
        flag(.deviceReadIOps, nil, .value, repeatable: true, "resources", "Refused: no block I/O limits yet"),
        flag(.deviceWriteBps, nil, .value, repeatable: true, "resources", "Refused: no block I/O limits yet"),
        flag(.deviceWriteIOps, nil, .value, repeatable: true, "resources", "Refused: no block I/O limits yet"),
        flag(.ioMaxBandwidth, nil, .value, "resources", "Refused: Windows only"),
        flag(.ioMaxIOps, nil, .value, "resources", "Refused: Windows only"),
        // Files
        flag(.volume, "v", .value, repeatable: true, "files", "Bind mount HOST:CTR[:ro] (read-only unless the profile allows rw)"),
        flag(.mount, nil, .value, repeatable: true, "files", "type=bind,src=…,dst=…,readonly or type=tmpfs,dst=…,tmpfs-size=…"),
        flag(.tmpfs, nil, .value, repeatable: true, "files", "PATH[:size=N,mode=M]: a profile tmpfs, smaller, or an extra one the profile allows"),
        flag(.volumesFrom, nil, .value, repeatable: true, "files", "Refused: name each host directory with -v"),
        flag(.volumeDriver, nil, .value, "files", "Refused: no named volumes"),
        flag(.storageOpt, nil, .value, repeatable: true, "files", "Refused: the root filesystem is read-only"),
        flag(.logDriver, nil, .value, "files", "Refused: securerun keeps its own log"),
        flag(.logOpt, nil, .value, repeatable: true, "files", "Refused: securerun keeps its own log"),
        // Network
        flag(
            .network, nil, .value, repeatable: true, aliases: ["net"], "network",
            "none, or private where the profile gives private networking (never wider than the profile's)"),
        flag(.publish, "p", .value, repeatable: true, "network", "Publish [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp] where the profile allows it"),
        flag(.publishAll, "P", .boolean, "network", "Refused: securerun chooses addresses and what a container reaches"),
        flag(.expose, nil, .value, repeatable: true, "network", "Refused: securerun chooses addresses and what a container reaches"),
        flag(.dns, nil, .value, repeatable: true, "network", "Refused: securerun chooses addresses and what a container reaches"),
        flag(.dnsOption, nil, .value, repeatable: true, aliases: ["dns-opt"], "network", "Refused: securerun chooses addresses and what a container reaches"),
        flag(.dnsSearch, nil, .value, repeatable: true, "network", "Refused: securerun chooses addresses and what a container reaches"),
        flag(.addHost, nil, .value, repeatable: true, "network", "Refused: securerun chooses addresses and what a container reaches"),
        flag(.link, nil, .value, repeatable: true, "network", "Refused: securerun chooses addresses and what a container reaches"),
        flag(.ip, nil, .value, "network", "Refused: securerun chooses addresses and what a container reaches"),
        flag(.ip6, nil, .value, "network", "Refused: securerun chooses addresses and what a container reaches"),
        flag(.macAddress, nil, .value, "network", "Refused: securerun chooses addresses and what a container reaches"),
        flag(
            .networkAlias, nil, .value, repeatable: true, aliases: ["net-alias"], "network", "Refused: securerun chooses addresses and what a container reaches"
        ),
        flag(.linkLocalIP, nil, .value, repeatable: true, "network", "Refused: securerun chooses addresses and what a container reaches"),
        // Health
        flag(.healthCmd, nil, .value, "health", "Command run with /bin/sh -c inside the container, under its floor, to check its health (-d; runc, crun)"),
        flag(.healthInterval, nil, .value, "health", "Time between checks (ms|s|m|h) (default 30s)"),
        flag(.healthRetries, nil, .value, "health", "Consecutive failures that make it unhealthy (default 3)"),
        flag(.healthTimeout, nil, .value, "health", "Time one check may run (ms|s|m|h) (default 30s)"),
        flag(.healthStartPeriod, nil, .value, "health", "Time to start up, when failures do not count (ms|s|m|h) (default 0s)"),
        flag(.healthStartInterval, nil, .value, "health", "Refused: checks run at --health-interval during the start period too"),
        flag(.noHealthcheck, nil, .boolean, "health", "Do not run the image's HEALTHCHECK"),
        flag(.help, nil, .boolean, "help", "Show this help"),
    ]
}
