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
    /// A request that is malformed regardless of the profile (a bad flag value).
    case invalidRequest(flag: String, reason: String)
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
        case .invalidRequest(let flag, let reason):
            return "invalid \(flag): \(reason)"
        case .registryNotAllowed(let action, let image, let registry, let profile, let allowed):
            return
                "refusing to \(action) \(image): registry \(registry) is not in profile \"\(profile)\" allowedRegistries (\(allowed.joined(separator: ", ")))"
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

    public init(rule: Rule, flag: String, profile: String, detail: String) {
        self.rule = rule
        self.flag = flag
        self.profile = profile
        self.detail = detail
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
        case bandwidth = "SR020"
        case publish = "SR021"

        /// The stable id (`SR001`).
        public var id: String { rawValue }

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
            case .bandwidth: return "bandwidth-ceiling"
            case .publish: return "published-ports"
            }
        }
    }
}
