/// A Docker/moby seccomp profile (`seccomp/default.json` format), in either the old form (top-level
/// `architectures`, one `name` per rule) or the new one (`archMap`, `names`, `includes`/`excludes`).
///
/// Unknown keys (`comment` fields aside, podman's `errno`, `defaultErrno`) are ignored when loading.
/// Turn it into what a runtime takes with ``resolve(capabilities:source:unknownSyscalls:)``.
public struct SeccompProfile: Codable, Sendable, Equatable {
    /// The action for syscalls no rule matches.
    public var defaultAction: SeccompAction
    /// The errno for an `SCMP_ACT_ERRNO` default action (EPERM when nil).
    public var defaultErrnoRet: UInt32?
    /// Old format: the architectures to filter, used as they are.
    public var architectures: [SeccompArchitecture]?
    /// New format: for each native architecture, the compat ABIs to filter beside it.
    public var archMap: [ArchitectureMapping]?
    /// The rules, in order.
    public var syscalls: [Syscall]?
    /// Flags for seccomp(2).
    public var flags: [SeccompFlag]?
    /// The seccomp-notify listener socket, for `SCMP_ACT_NOTIFY` rules.
    public var listenerPath: String?
    /// Opaque data passed to the notify listener.
    public var listenerMetadata: String?

    /// Makes a profile.
    public init(
        defaultAction: SeccompAction, defaultErrnoRet: UInt32? = nil, architectures: [SeccompArchitecture]? = nil,
        archMap: [ArchitectureMapping]? = nil, syscalls: [Syscall]? = nil, flags: [SeccompFlag]? = nil,
        listenerPath: String? = nil, listenerMetadata: String? = nil
    ) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.archMap = archMap
        self.syscalls = syscalls
        self.flags = flags
        self.listenerPath = listenerPath
        self.listenerMetadata = listenerMetadata
    }

    /// One `archMap` entry: a native architecture and the compat ABIs its kernel also runs.
    public struct ArchitectureMapping: Codable, Sendable, Equatable {
        /// The native architecture this entry applies to.
        public var architecture: SeccompArchitecture
        /// The compat ABIs (x86 and x32 beside x86_64); moby writes `null` for none.
        public var subArchitectures: [SeccompArchitecture]?

        /// Makes an entry.
        public init(architecture: SeccompArchitecture, subArchitectures: [SeccompArchitecture]? = nil) {
            self.architecture = architecture
            self.subArchitectures = subArchitectures
        }
    }

    /// One rule: syscall names, an action, optional argument conditions, and conditions on the container.
    public struct Syscall: Codable, Sendable, Equatable {
        /// Old format: a single syscall name.
        public var name: String?
        /// New format: the syscall names.
        public var names: [String]?
        /// What happens when the rule matches.
        public var action: SeccompAction
        /// The errno for `SCMP_ACT_ERRNO` (or the message for `SCMP_ACT_TRACE`); EPERM when nil.
        public var errnoRet: UInt32?
        /// Conditions on the arguments, all of which must hold.
        public var args: [SeccompArgument]?
        /// The rule applies only when all of these hold.
        public var includes: Filter?
        /// The rule does not apply when any of these holds.
        public var excludes: Filter?
        /// Free text.
        public var comment: String?

        /// Makes a rule.
        public init(
            name: String? = nil, names: [String]? = nil, action: SeccompAction, errnoRet: UInt32? = nil,
            args: [SeccompArgument]? = nil, includes: Filter? = nil, excludes: Filter? = nil, comment: String? = nil
        ) {
            self.name = name
            self.names = names
            self.action = action
            self.errnoRet = errnoRet
            self.args = args
            self.includes = includes
            self.excludes = excludes
            self.comment = comment
        }
    }

    /// Conditions on the container a rule depends on.
    public struct Filter: Codable, Sendable, Equatable {
        /// Capabilities in the container's bounding set (`CAP_SYS_ADMIN`).
        public var caps: [String]?
        /// Native architectures in Go's spelling (`amd64`, `arm64`, `s390x`).
        public var arches: [String]?
        /// The lowest running kernel version.
        public var minKernel: KernelVersion?

        /// Makes a filter.
        public init(caps: [String]? = nil, arches: [String]? = nil, minKernel: KernelVersion? = nil) {
            self.caps = caps
            self.arches = arches
            self.minKernel = minKernel
        }
    }
}
