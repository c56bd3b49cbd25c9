import Admission
import Capabilities
import Foundation
import Images
import Seccomp

/// A hardening profile: the floor that every container started under it keeps.
///
/// Values are already parsed and validated; `ProfileLoader` is the only way to read one from disk.
public struct Profile: Sendable, Equatable {
    /// The profile's name (`default`, `production`, or the file's stem).
    public var name: String
    /// The file it was read from.
    public var source: URL
    /// The user and group containers run as unless a request names another non-root one.
    public var user: UserID
    /// Capabilities a request may keep; every other one is dropped, bounding set included.
    public var capabilities: Set<Capability>
    /// The seccomp profile file and its resolved form for this profile's capabilities.
    public var seccompPath: URL
    /// The resolved seccomp filter, as the OCI runtime spec writes it.
    public var seccomp: LinuxSeccomp
    /// Resource ceilings.
    public var memory: ByteSize
    /// Memory plus swap; equal to `memory` means no swap.
    public var memorySwap: ByteSize
    /// CPU quota in CPUs (period 100 ms).
    public var cpus: Double
    /// Maximum number of tasks in the container's cgroup.
    public var pidsLimit: Int64
    /// Writable tmpfs mounts; always nosuid, nodev and noexec unless the entry allows exec.
    public var tmpfs: [TmpfsMount]
    /// Further tmpfs mounts a request may add (`--tmpfs /run`), if any.
    public var extraTmpfs: ExtraTmpfs
    /// Paths masked from /proc and /sys.
    public var maskedPaths: [String]
    /// Paths mounted read-only.
    public var readonlyPaths: [String]
    /// The network the container gets (`network:`).
    public var network: NetworkProfile
    /// Whether bind mounts may be writable (`-v host:ctr:rw`).
    public var allowWritableVolumes: Bool
    /// The uids and gids a container may run as while volumes are mounted (see ``VolumeIDs``).
    public var volumeIDs: VolumeIDs
    /// Registries images may come from; empty means any.
    public var allowedRegistries: [String]
    /// Bounds on what `image import` and `image pull` under this profile may unpack (`store:`).
    public var unpackLimits: UnpackLimits
    /// Which images may run: the signed-scan admission policy.
    public var admission: AdmissionPolicy
    /// `sha256:<hex>` of the text this profile was read from (records keep it, so audit sees a changed file).
    public var textDigest: String = ""
    /// Whether containers get a user namespace of their own (`userNamespace:`; `preferred` when omitted).
    public var userNamespace: UserNamespaceMode = .preferred
    /// The most a detached container's log keeps on the host (`logs.maxSize`): the current part and the
    /// one before, half each; the oldest lines go first.
    public var logMaxSize: ByteSize = Profile.defaultLogMaxSize
    /// Resource limits every container gets (`rlimits:`), lowered by `--ulimit`, never raised.
    public var rlimits: [Ulimit] = Profile.defaultRlimits

    /// Without `rlimits:`: containerd's open-file limits, no core files (the host's core_pattern may hand a
    /// container's crash to a host program, and a core holds the process's secrets), and the kernel's
    /// 8 MiB of locked memory. nproc stays inherited: it counts per host uid, so without a user namespace
    /// a shared uid would let one container's processes use up another's (the pids cgroup bounds each).
    public static let defaultRlimits = [
        Ulimit(name: .nofile, soft: 1024, hard: 524_288), Ulimit(name: .core, soft: 0, hard: 0), Ulimit(name: .memlock, soft: 8 << 20, hard: 8 << 20),
    ]

    /// Whether containers may execute code from a memfd (`allowMemfdExec`; false unless a profile says so).
    public var allowMemfdExec = false

    /// 20 MiB, as securerun kept before profiles could say (two parts of 10 MiB).
    public static let defaultLogMaxSize = ByteSize(bytes: 20 << 20)
    /// The restart policies containers may ask for (`restart.allowed`; none when omitted).
    public var allowedRestarts: Set<RestartKind> = []

    /// Refuses an image from a registry outside `allowedRegistries` (an empty list allows any).
    /// `action` is what was attempted ("pull", "run"); docker's `index.docker.io` counts as `docker.io`.
    public func checkRegistry(_ registry: String, image: String, action: String) throws(PolicyError) {
        guard !allowedRegistries.isEmpty else { return }
        func normalized(_ host: String) -> String { host == "index.docker.io" ? "docker.io" : host.lowercased() }
        if !allowedRegistries.map(normalized).contains(normalized(registry)) {
            throw .registryNotAllowed(action: action, image: image, registry: registry, profile: name, allowed: allowedRegistries)
        }
    }

    // Fields every profile enforces without a setting: they are the floor itself.
    /// Root filesystem is always read-only.
    public var readOnlyRootfs: Bool { true }
    /// no_new_privs is always set.
    public var noNewPrivileges: Bool { true }
}

/// A numeric, non-root user and group.
public struct UserID: Hashable, Sendable, CustomStringConvertible, Encodable {
    public var uid: UInt32
    public var gid: UInt32
    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }

    /// Parses `uid[:gid]` in plain ASCII digits; a missing gid equals the uid. `+0`, ` 0` and the like
    /// are refused: they would otherwise slip past a textual root check.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let uid = Self.number(parts[0]) else { return nil }
        if parts.count == 2 {
            guard let gid = Self.number(parts[1]) else { return nil }
            self.init(uid: uid, gid: gid)
        } else {
            self.init(uid: uid, gid: uid)
        }
    }

    /// Whether either id is 0 (root's uid or gid), however it was spelled.
    public var isRoot: Bool { uid == 0 || gid == 0 }

    private static func number(_ text: Substring) -> UInt32? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return UInt32(text)
    }

    public var description: String { "\(uid):\(gid)" }
}

/// A size-limited tmpfs mount.
public struct TmpfsMount: Hashable, Sendable, Encodable {
    /// Absolute path in the container.
    public var path: String
    /// Size ceiling.
    public var size: ByteSize
    /// Whether programs may be executed from it (off unless the profile says so).
    public var exec: Bool
    /// Mode of the mount's root directory.
    public var mode: UInt32

    public init(path: String, size: ByteSize, exec: Bool = false, mode: UInt32 = 0o1777) {
        self.path = path
        self.size = size
        self.exec = exec
        self.mode = mode
    }
}

/// The tmpfs mounts a request may add at paths of its own (`--tmpfs /run`, `--mount type=tmpfs,…`): always
/// noexec, nosuid and nodev, each at most `maxSize` (and that size when none is asked for), at most
/// `maxMounts` of them, and together no larger than the container's memory limit (their pages are charged
/// to the container's memory cgroup).
public struct ExtraTmpfs: Sendable, Equatable {
    /// Whether requests may add tmpfs mounts at all.
    public var allowed: Bool
    /// The size cap of each.
    public var maxSize: ByteSize
    /// How many a request may add.
    public var maxMounts: Int

    public init(allowed: Bool, maxSize: ByteSize, maxMounts: Int) {
        self.allowed = allowed
        self.maxSize = maxSize
        self.maxMounts = maxMounts
    }

    /// None may be added (the default for a profile that does not say).
    public static let forbidden = ExtraTmpfs(allowed: false, maxSize: ByteSize(bytes: 64 << 20), maxMounts: 0)
}
