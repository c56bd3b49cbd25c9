import Capabilities
import Seccomp

/// Everything a backend needs to start one container, with the profile's floor already applied.
///
/// Only `Policy.enforce` makes one (its initializer is internal), so a backend cannot be handed
/// anything the profile did not allow.
public struct HardenedSpec: Sendable, Equatable, Encodable {
    /// The profile that was enforced.
    public let profileName: String
    /// The non-root user and group the process runs as.
    public let user: UserID
    /// Supplementary groups (`--group-add`), never 0.
    public let additionalGids: [UInt32]
    /// Capabilities in the bounding, effective, permitted (and, when non-empty, inheritable and ambient) sets.
    public let capabilities: Set<Capability>
    /// Always true.
    public let noNewPrivileges: Bool
    /// Always true.
    public let readOnlyRootfs: Bool
    /// The seccomp filter.
    public let seccomp: LinuxSeccomp
    /// The seccomp profile file the filter came from (for error messages).
    public let seccompSource: String
    /// Memory limit in bytes.
    public let memory: ByteSize
    /// Memory plus swap in bytes.
    public let memorySwap: ByteSize
    /// The soft limit (`--memory-reservation`), at most `memory`.
    public let memoryReservation: ByteSize?
    /// `--memory-swappiness` (0–100), nil to inherit.
    public let memorySwappiness: UInt64?
    /// CPU quota per 100 ms period, in microseconds.
    public let cpuQuota: Int64
    /// CPU period in microseconds.
    public let cpuPeriod: UInt64
    /// Relative CPU weight (`--cpu-shares`), nil for the default.
    public let cpuShares: UInt64?
    /// CPUs the container may run on (`--cpuset-cpus`), nil for all of securerun's.
    public let cpusetCPUs: CPUSet?
    /// Memory nodes (`--cpuset-mems`), nil for all.
    public let cpusetMems: CPUSet?
    /// Maximum tasks.
    public let pidsLimit: Int64
    /// Resource limits lowered with `--ulimit` (the rest are inherited).
    public let rlimits: [Ulimit]
    /// Writable tmpfs mounts (nosuid, nodev, and noexec unless allowed): the profile's, then extra ones.
    public let tmpfs: [TmpfsMount]
    /// The size of /dev/shm; nil with `--ipc none` (no /dev/shm at all).
    public let shmSize: ByteSize?
    /// Namespaced sysctls to set (`--sysctl`, only the safe set).
    public let sysctls: [String: String]
    /// `--oom-score-adj`, only ever raised (more likely to be killed), nil to inherit.
    public let oomScoreAdj: Int?
    /// Whether the container gets a cgroup namespace of its own (`--cgroupns private`).
    public let cgroupNamespace: Bool
    /// Bind mounts from the host.
    public let volumes: [BindMount]
    /// Masked paths.
    public let maskedPaths: [String]
    /// Read-only paths.
    public let readonlyPaths: [String]
    /// The network: its mode, and for private networking the rates, the egress allow-list and published ports.
    public let network: NetworkSpec
    /// The process's argv.
    public let args: [String]
    /// The process's environment.
    public let env: [String]
    /// The process's working directory.
    public let cwd: String
    /// The container's hostname.
    public let hostname: String
    /// The container's NIS domain name (`--domainname`).
    public let domainname: String?
    /// Whether a minimal init runs as PID 1 in front of `args`.
    public let initProcess: Bool
    /// Whether the container gets a user namespace of its own (the profile's `userNamespace`).
    public let userNamespace: UserNamespaceMode
    /// Whether code in a memfd cannot be executed (the kernel's vm.memfd_noexec=2 in the container's pid
    /// namespace): the way around a read-only root and noexec tmpfs that `memfd_create` + `execveat` is.
    public let memfdNoexec: Bool
}

/// A host directory or file bind-mounted into the container.
public struct BindMount: Sendable, Equatable, Hashable, Encodable {
    /// Absolute host path.
    public var source: String
    /// Absolute container path.
    public var destination: String
    /// Mounted read-only.
    public var readOnly: Bool

    public init(source: String, destination: String, readOnly: Bool) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
    }
}
