import Foundation

/// Why a profile could not be used, or why a request was refused.
public enum PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No profile of that name in any search directory.
    case profileNotFound(name: String, searched: [String])
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// A field has a value securerun cannot use.
    case invalidField(path: String, field: String, reason: String)
    /// A key the profile format does not have.
    case unknownField(path: String, field: String)
    /// A request asked for less than the profile enforces.
    case violation(PolicyViolation)
    /// A request that is malformed regardless of the profile (a bad flag value); `origin` places it on the
    /// command line when it came from one.
    case invalidRequest(flag: String, reason: String, origin: FlagOrigin? = nil)
    /// The image comes from a registry outside the profile's `allowedRegistries`.
    case registryNotAllowed(action: String, image: String, registry: String, profile: String, allowed: [String])

    public var description: String {
        switch self {
        case .profileNotFound(let name, let searched):
            return
                "profile \"\(name)\" not found (looked in \(searched.joined(separator: ", "))); pass --profile with a shipped name (default, production, service) or a path to a profile file"
        case .unreadable(let path, let reason):
            return "cannot read profile \(path): \(reason)"
        case .invalidField(let path, let field, let reason):
            return "\(path): field \(field): \(reason)"
        case .unknownField(let path, let field):
            return "\(path): unknown field \(field) (check its spelling; see profiles/default.yaml for the format)"
        case .violation(let violation):
            return violation.description
        case .invalidRequest(let flag, let reason, _):
            return "invalid \(flag): \(reason)"
        case .registryNotAllowed(let action, let image, let registry, let profile, let allowed):
            let rule = PolicyViolation.Rule.imageAdmission
            return
                "refusing to \(action) \(image): registry \(registry) is not in profile \"\(profile)\" allowedRegistries (\(allowed.joined(separator: ", "))) [\(rule.id) \(rule.name)]"
        }
    }

    /// The rule a refusal keeps (nil for a profile that cannot be used, or a malformed request).
    public var rule: PolicyViolation.Rule? {
        switch self {
        case .violation(let violation): return violation.rule
        case .registryNotAllowed: return .imageAdmission
        default: return nil
        }
    }
}

/// A request to loosen the profile: refused before anything starts.
public struct PolicyViolation: Sendable, Equatable, CustomStringConvertible {
    /// The rule that refused it; stable so lint findings and docs can cite it.
    public var rule: Rule
    /// The flag as the user wrote it, with its value (`--user 0`).
    public var flag: String
    /// The profile whose floor it would have broken.
    public var profile: String
    /// What the profile allows instead.
    public var detail: String
    /// Where the refused flag was typed (nil for a request not made from a command line).
    public var origin: FlagOrigin?

    public init(rule: Rule, flag: String, profile: String, detail: String, origin: FlagOrigin? = nil) {
        self.rule = rule
        self.flag = flag
        self.profile = profile
        self.detail = detail
        self.origin = origin
    }

    /// A refusal of the flag typed as `origin`.
    public init(rule: Rule, origin: FlagOrigin, profile: String, detail: String) {
        self.init(rule: rule, flag: origin.typed, profile: profile, detail: detail, origin: origin)
    }

    public var description: String {
        "\(flag) refused by profile \"\(profile)\": \(detail) [\(rule.id) \(rule.name)]"
    }

    /// The tighten-only rules, each with a stable id.
    public enum Rule: String, Sendable, CaseIterable {
        case nonRootUser = "SR001"
        case capabilities = "SR002"
        case readOnlyRootfs = "SR003"
        case noNewPrivileges = "SR004"
        case seccomp = "SR005"
        case memory = "SR006"
        case cpu = "SR007"
        case pids = "SR008"
        case privileged = "SR009"
        case volumes = "SR010"
        case tmpfs = "SR011"
        case network = "SR012"
        case securityOptions = "SR013"
        case volumeIDs = "SR014"
        case hostNamespaces = "SR015"
        case hostDevices = "SR016"
        case oomProtection = "SR017"
        case sysctls = "SR018"
        case cgroupParent = "SR019"
        case engineSocket = "SR020"
        case volumesFrom = "SR021"
        case runtimeOverrides = "SR022"
        case ulimits = "SR023"
        case notSupported = "SR024"
        case bandwidth = "SR025"
        case publish = "SR026"
        case imageAdmission = "SR027"
        case readableRequest = "SR028"
        case localEngine = "SR029"
        case startAsCreated = "SR030"
        case engineEndpoints = "SR031"
        case imagePinned = "SR032"
        case restartPolicy = "SR033"

        /// The stable id (`SR001`).
        public var id: String { rawValue }

        /// `[SR001 non-root-user]`, as every refusal ends.
        public var tag: String { "[\(id) \(name)]" }

        /// A short kebab-case name.
        public var name: String {
            switch self {
            case .nonRootUser: return "non-root-user"
            case .capabilities: return "capability-allow-list"
            case .readOnlyRootfs: return "read-only-rootfs"
            case .noNewPrivileges: return "no-new-privileges"
            case .seccomp: return "seccomp-at-least-as-strict"
            case .memory: return "memory-ceiling"
            case .cpu: return "cpu-ceiling"
            case .pids: return "pids-ceiling"
            case .privileged: return "no-privileged"
            case .volumes: return "safe-volumes"
            case .tmpfs: return "tmpfs-from-profile"
            case .network: return "network-mode"
            case .securityOptions: return "security-options"
            case .volumeIDs: return "volume-host-ids"
            case .hostNamespaces: return "no-host-namespaces"
            case .hostDevices: return "no-host-devices"
            case .oomProtection: return "no-oom-protection"
            case .sysctls: return "namespaced-sysctls"
            case .cgroupParent: return "no-cgroup-parent"
            case .engineSocket: return "no-engine-socket"
            case .volumesFrom: return "no-volumes-from"
            case .runtimeOverrides: return "no-runtime-overrides"
            case .ulimits: return "ulimits-lower-only"
            case .notSupported: return "not-supported-yet"
            case .bandwidth: return "bandwidth-ceiling"
            case .publish: return "published-ports"
            case .imageAdmission: return "image-admission"
            case .readableRequest: return "readable-request"
            case .localEngine: return "local-engine"
            case .startAsCreated: return "start-as-created"
            case .engineEndpoints: return "engine-endpoints"
            case .imagePinned: return "image-pinned-by-digest"
            case .restartPolicy: return "restart-policy"
            }
        }

        /// What the rule keeps, in one line (for lint's catalogue and the README's table).
        public var summary: String {
            switch self {
            case .nonRootUser: return "containers run as a non-root uid and gid, supplementary groups included"
            case .capabilities: return "capabilities outside the profile's allow-list are dropped, bounding set included"
            case .readOnlyRootfs: return "the root filesystem is read-only"
            case .noNewPrivileges: return "no-new-privileges is always set"
            case .seccomp: return "a seccomp filter at least as strict as the profile's always applies"
            case .memory: return "memory, swap and their soft limits stay within the profile's"
            case .cpu: return "CPU time, weight, CPUs and real-time budget stay within the profile's"
            case .pids: return "the number of tasks stays within the profile's limit"
            case .privileged: return "privileged containers are never started"
            case .volumes: return "host paths that expose the host or its credentials are never mounted; binds are read-only unless allowed"
            case .tmpfs: return "tmpfs mounts are the profile's, or extra ones it allows, size-capped, noexec, nosuid and nodev"
            case .network: return "containers get the profile's network (none, or private) or none, never the host's or another's"
            case .securityOptions: return "masked /proc and /sys paths and mandatory access control stay on"
            case .volumeIDs: return "with a volume mounted, the container's ids are not host system accounts or groups"
            case .hostNamespaces: return "the container never shares the host's or another container's namespaces"
            case .hostDevices: return "no host devices, GPUs or device cgroup rules"
            case .oomProtection: return "the OOM killer may always kill the container before host processes"
            case .sysctls: return "only sysctls of the container's own IPC namespace and safe network ones may be set"
            case .cgroupParent: return "containers live in securerun's own cgroup"
            case .engineSocket: return "a container never gets a container engine's API"
            case .volumesFrom: return "volumes come from the command line, never from another container"
            case .runtimeOverrides: return "the OCI runtime and its annotations are securerun's choice"
            case .ulimits: return "resource limits may only be lowered"
            case .notSupported: return "flags securerun cannot honour yet are refused, never ignored"
            case .bandwidth: return "traffic out of and into a private container stays within the profile's rates"
            case .publish: return "ports are published only where the profile allows, on its host addresses, from port 1024 up"
            case .imageAdmission:
                return "an image starts only with a signed, passing, fresh scan attestation of its exact digest, from a registry the profile allows"
            case .readableRequest: return "a request securerun cannot read as its owner reads it, or cannot check, is refused, never handed on"
            case .localEngine: return "guarded docker commands go only to the local engine securerun can inspect"
            case .startAsCreated: return "a created container starts again only as it was judged: the spec the profile gives now is the one it was created with"
            case .engineEndpoints: return "engine calls that make or change containers around the policy (build, commit, plugins, swarm) are refused"
            case .imagePinned: return "an image a cluster pulls is named by digest: a tag can name another image after the decision"
            case .restartPolicy:
                return "a container restarts only under a policy the profile allows, and only through securerun, which takes the start decision again each time"
            }
        }
    }
}
