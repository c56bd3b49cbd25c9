/// The OCI runtime-spec `linux.seccomp` object, exactly: property names match the JSON, nil fields are
/// omitted when encoding. Make one from a Docker profile with ``SeccompProfile/resolve(capabilities:source:unknownSyscalls:)``,
/// which guarantees every syscall name is one libseccomp knows.
public struct LinuxSeccomp: Codable, Sendable, Equatable {
    /// The action for syscalls no rule matches.
    public var defaultAction: SeccompAction
    /// The errno for an `SCMP_ACT_ERRNO` default action (EPERM when nil).
    public var defaultErrnoRet: UInt32?
    /// The ABIs the filter covers; syscalls from any other ABI kill the process.
    public var architectures: [SeccompArchitecture]?
    /// Flags for seccomp(2).
    public var flags: [SeccompFlag]?
    /// The seccomp-notify listener socket, for `SCMP_ACT_NOTIFY` rules.
    public var listenerPath: String?
    /// Opaque data passed to the notify listener.
    public var listenerMetadata: String?
    /// The rules, in order.
    public var syscalls: [Syscall]?

    /// Makes a filter description.
    public init(
        defaultAction: SeccompAction, defaultErrnoRet: UInt32? = nil, architectures: [SeccompArchitecture]? = nil,
        flags: [SeccompFlag]? = nil, listenerPath: String? = nil, listenerMetadata: String? = nil, syscalls: [Syscall]? = nil
    ) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.flags = flags
        self.listenerPath = listenerPath
        self.listenerMetadata = listenerMetadata
        self.syscalls = syscalls
    }

    /// One runtime-spec rule.
    public struct Syscall: Codable, Sendable, Equatable {
        /// The syscall names.
        public var names: [String]
        /// What happens when the rule matches.
        public var action: SeccompAction
        /// The errno for `SCMP_ACT_ERRNO` (or the message for `SCMP_ACT_TRACE`); EPERM when nil.
        public var errnoRet: UInt32?
        /// Conditions on the arguments.
        public var args: [SeccompArgument]?

        /// Makes a rule.
        public init(names: [String], action: SeccompAction, errnoRet: UInt32? = nil, args: [SeccompArgument]? = nil) {
            self.names = names
            self.action = action
            self.errnoRet = errnoRet
            self.args = args
        }
    }
}

extension SeccompAction {
    /// The action with its data as runc applies it: errno and trace rules default to EPERM.
    func effective(errnoRet: UInt32?) -> EffectiveAction {
        switch self {
        case .errno, .trace: return EffectiveAction(action: self, data: errnoRet ?? 1)
        case .kill, .killThread: return EffectiveAction(action: .killThread, data: 0)
        default: return EffectiveAction(action: self, data: 0)
        }
    }
}

/// An action plus its data (errno), normalised so that equal kernel behaviour compares equal.
struct EffectiveAction: Hashable {
    var action: SeccompAction
    var data: UInt32
}

extension SeccompAction {
    /// Whether this action with `errnoRet` does to a syscall exactly what `other` with `otherErrnoRet` does
    /// (errno and trace default to EPERM; kill is kill-thread), as runc applies them.
    public func behavesLike(_ other: SeccompAction, errnoRet: UInt32?, otherErrnoRet: UInt32?) -> Bool {
        effective(errnoRet: errnoRet) == other.effective(errnoRet: otherErrnoRet)
    }
}

extension LinuxSeccomp {
    var effectiveDefault: EffectiveAction { defaultAction.effective(errnoRet: defaultErrnoRet) }
}
