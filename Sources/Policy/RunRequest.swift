/// What a caller asked for, in the vocabulary of `docker run`, typed: every start path (securerun run,
/// securerun docker run) parses its flags into one of these (DockerCompat does), and only `Policy.enforce`
/// decides what of it a container gets. Each value keeps the flag it came from (``Flagged``), so a refusal
/// quotes what the user typed. It is Codable: detached containers' records store it, and audit re-applies it
/// to the current profile.
public struct RunRequest: Sendable, Equatable, Codable {
    // MARK: - What runs

    /// The image reference as typed.
    public var image: String
    /// Command and arguments after the image; empty means the image's Cmd.
    public var command: [String] = []
    /// `--entrypoint`; nil means the image's Entrypoint, `[]` (`--entrypoint ""`) clears it.
    public var entrypoint: Flagged<[String]>?
    /// `-u/--user`; names are made numeric against the image before enforcement.
    public var user: Flagged<UserSpec>?
    /// `--group-add`: supplementary groups (names made numeric against the image before enforcement).
    public var groupAdd: [Flagged<String>] = []
    /// `-e/--env` and `--env-file` entries, `KEY=VALUE` (a bare `-e KEY` already taken from the caller's environment).
    public var env: [Flagged<String>] = []
    /// `-w/--workdir`.
    public var workdir: Flagged<String>?

    // MARK: - Identity and metadata

    /// `--name`.
    public var name: Flagged<String>?
    /// `-h/--hostname`.
    public var hostname: Flagged<String>?
    /// `--domainname`.
    public var domainname: Flagged<String>?
    /// `-l/--label` and `--label-file`.
    public var labels: [Flagged<Label>] = []
    /// `--stop-signal` (what `securerun stop` sends first; SIGTERM when nil).
    public var stopSignal: Flagged<StopSignal>?
    /// `--stop-timeout` seconds before `securerun stop` sends SIGKILL (-1: never); nil means 10.
    public var stopTimeout: Flagged<Int>?

    // MARK: - How it runs

    /// `--rm`.
    public var remove: Flagged<Bool>?
    /// `-i/--interactive`: the caller's stdin reaches the container (otherwise it gets /dev/null).
    public var interactive: Flagged<Bool>?
    /// `-t/--tty`: the process gets a terminal of its own.
    public var tty: Flagged<Bool>?
    /// `-d/--detach`: start it and return its id; a monitor process looks after it.
    public var detach: Flagged<Bool>?
    /// `--init`: a minimal init runs as PID 1, forwards signals and reaps zombies.
    public var initProcess: Flagged<Bool>?
    /// `--restart`.
    public var restart: Flagged<RestartPolicy>?
    /// `--pull`.
    public var pull: Flagged<PullPolicy>?

    // MARK: - Health

    /// `--health-cmd`: run with `/bin/sh -c` inside the container (docker's CMD-SHELL); over the image's HEALTHCHECK.
    public var healthCmd: Flagged<String>?
    /// `--health-interval`, `--health-timeout`, `--health-start-period`, in nanoseconds (0: the default).
    public var healthInterval: Flagged<Int64>?
    public var healthTimeout: Flagged<Int64>?
    public var healthStartPeriod: Flagged<Int64>?
    /// `--health-retries`: consecutive failures that make it unhealthy (0: the default, 3).
    public var healthRetries: Flagged<Int>?
    /// `--no-healthcheck`: the image's HEALTHCHECK is not run.
    public var noHealthcheck: Flagged<Bool>?
    /// `--health-on-failure` (podman's; securerun run only).
    public var healthOnFailure: Flagged<HealthFailureAction>?
    /// `--platform`.
    public var platform: Flagged<String>?

    // MARK: - Privileges

    /// `--privileged`.
    public var privileged: Flagged<Bool>?
    /// `--read-only` (false for `--read-only=false`).
    public var readOnly: Flagged<Bool>?
    /// `--cap-add`.
    public var capAdd: [Flagged<CapabilityName>] = []
    /// `--cap-drop`.
    public var capDrop: [Flagged<CapabilityName>] = []
    /// `--security-opt`.
    public var securityOptions: [Flagged<SecurityOption>] = []
    /// `--pid`, `--ipc`, `--uts`, `--userns`, `--cgroupns`.
    public var namespaces: [Flagged<NamespaceRequest>] = []
    /// `--device`, `--gpus`, `--device-cgroup-rule`.
    public var devices: [Flagged<DeviceRequest>] = []
    /// `--sysctl`.
    public var sysctls: [Flagged<Sysctl>] = []
    /// `--oom-kill-disable`.
    public var oomKillDisable: Flagged<Bool>?
    /// `--oom-score-adj`.
    public var oomScoreAdj: Flagged<Int>?
    /// `--cgroup-parent`.
    public var cgroupParent: Flagged<String>?
    /// `--use-api-socket`.
    public var useAPISocket: Flagged<Bool>?
    /// `--volumes-from`.
    public var volumesFrom: [Flagged<String>] = []
    /// docker's `--runtime` and `--annotation`.
    public var runtimeOverrides: [Flagged<RuntimeOverride>] = []

    // MARK: - Resources

    /// `-m/--memory`.
    public var memory: Flagged<ByteSize>?
    /// `--memory-swap` (memory plus swap; `0` means unset and is not recorded).
    public var memorySwap: Flagged<SwapLimit>?
    /// `--memory-reservation` (the soft limit).
    public var memoryReservation: Flagged<ByteSize>?
    /// `--memory-swappiness` (0–100).
    public var memorySwappiness: Flagged<Int>?
    /// `--shm-size`.
    public var shmSize: Flagged<ByteSize>?
    /// `--cpus`, in billionths of a CPU.
    public var nanoCPUs: Flagged<Int64>?
    /// `--cpu-quota` (microseconds per period; -1 unlimited).
    public var cpuQuota: Flagged<Int64>?
    /// `--cpu-period` (microseconds).
    public var cpuPeriod: Flagged<Int64>?
    /// `-c/--cpu-shares` (relative weight).
    public var cpuShares: Flagged<Int64>?
    /// `--cpu-rt-period` / `--cpu-rt-runtime` (real-time scheduling budget).
    public var realtimeCPU: [Flagged<Int64>] = []
    /// `--cpuset-cpus`.
    public var cpusetCPUs: Flagged<CPUSet>?
    /// `--cpuset-mems`.
    public var cpusetMems: Flagged<CPUSet>?
    /// `--pids-limit` (0 and -1 ask for unlimited).
    public var pidsLimit: Flagged<Int64>?
    /// `--ulimit`.
    public var ulimits: [Flagged<Ulimit>] = []

    // MARK: - Files and network

    /// `--tmpfs`.
    public var tmpfs: [Flagged<TmpfsRequest>] = []
    /// `-v/--volume` and `--mount`, in the order given.
    public var mounts: [Flagged<MountRequest>] = []
    /// `--network`/`--net`.
    public var network: Flagged<NetworkRequest>?
    /// `-p/--publish`.
    public var ports: [Flagged<PortMapping>] = []
    /// `--egress-rate`: the cap on traffic out of the container, only lower than the profile's.
    public var egressRate: Flagged<BitRate>?
    /// `--ingress-rate`: the cap on traffic into the container, only lower than the profile's.
    public var ingressRate: Flagged<BitRate>?
    /// `-P`, `--expose`, `--dns*`, `--add-host`, `--link`, `--ip`, `--ip6`, `--mac-address`, `--network-alias`, `--link-local-ip`.
    public var networkSettings: [Flagged<NetworkSetting>] = []

    /// Flags securerun understands but cannot honour yet, each with the reason (refused by the policy).
    public var unsupported: [Flagged<String>] = []

    /// A request for `image` and nothing else: the profile's floor.
    public init(image: String) {
        self.image = image
    }

    // MARK: - Convenience

    /// `--rm` was given (and not `--rm=false`).
    public var removesOnExit: Bool { remove?.value == true }
    /// `-i` was given.
    public var keepsStdinOpen: Bool { interactive?.value == true }
    /// `-t` was given.
    public var allocatesTerminal: Bool { tty?.value == true }
    /// `-d` was given.
    public var runsDetached: Bool { detach?.value == true || createOnly }
    /// `docker create` through the drop-in: made, not started (the engine's `docker start` starts it).
    public var createOnly = false
    /// `--init` was given.
    public var runsInit: Bool { initProcess?.value == true }
    /// `--name`, if given.
    public var containerName: String? { name?.value }
    /// The bind mounts among `mounts`, with their origins.
    public var binds: [Flagged<BindRequest>] {
        mounts.compactMap { entry in
            if case .bind(let bind) = entry.value { return Flagged(bind, entry.origin) }
            return nil
        }
    }
}

/// The parts of an image's config that shape how its container starts.
public struct ImageDefaults: Sendable, Equatable {
    public var user: String?
    public var env: [String]
    public var entrypoint: [String]
    public var cmd: [String]
    public var workingDir: String?

    public init(user: String? = nil, env: [String] = [], entrypoint: [String] = [], cmd: [String] = [], workingDir: String? = nil) {
        self.user = user
        self.env = env
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.workingDir = workingDir
    }
}
