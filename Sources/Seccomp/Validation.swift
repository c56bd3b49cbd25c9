extension LinuxSeccomp {
    /// Checks made before a filter is built: no syscall decision is handed to another process (see
    /// ``SeccompDelegation``), whatever the filter's source.
    func validate(source: String) throws(SeccompError) {
        try SeccompDelegation.refuse(
            defaultAction: defaultAction, listenerPath: listenerPath, listenerMetadata: listenerMetadata,
            ruleActions: (syscalls ?? []).map(\.action), source: source)
    }
}

extension SeccompProfile {
    /// The same refusal for a Docker profile, with its own rule positions in the field names.
    func validateNoDelegation(source: String) throws(SeccompError) {
        try SeccompDelegation.refuse(
            defaultAction: defaultAction, listenerPath: listenerPath, listenerMetadata: listenerMetadata,
            ruleActions: (syscalls ?? []).map(\.action), source: source)
    }
}

/// securerun never lets a process outside the container decide a syscall.
///
/// - `listenerPath` makes runc (as root) connect to that unix socket and send it the seccomp notify fd and
///   the container's state; whoever listens there answers for the container's syscalls and can install
///   file descriptors into it (`SECCOMP_IOCTL_NOTIF_ADDFD`). `listenerMetadata` only travels with it.
/// - `SCMP_ACT_NOTIFY` (as a rule or the default) sends the syscall to that listener.
/// - `SCMP_ACT_TRACE` stops the process for a ptrace tracer, which may let the syscall run or rewrite it;
///   any process allowed to ptrace the container's (host) uid could attach and become that tracer.
enum SeccompDelegation {
    static func refuse(
        defaultAction: SeccompAction, listenerPath: String?, listenerMetadata: String?, ruleActions: [SeccompAction], source: String
    ) throws(SeccompError) {
        if let listenerPath {
            throw .invalid(
                file: source, field: "listenerPath",
                reason:
                    "\"\(listenerPath)\" is refused: runc would connect to it as root and hand it the container's seccomp notify fd; securerun never delegates syscall decisions"
            )
        }
        if listenerMetadata != nil {
            throw .invalid(file: source, field: "listenerMetadata", reason: "is refused: it is only sent to a notify listener, which securerun never uses")
        }
        if let reason = reason(for: defaultAction) {
            throw .invalid(file: source, field: "defaultAction", reason: reason)
        }
        for (index, action) in ruleActions.enumerated() {
            if let reason = reason(for: action) {
                throw .invalid(file: source, field: "syscalls[\(index)].action", reason: reason)
            }
        }
    }

    private static func reason(for action: SeccompAction) -> String? {
        switch action {
        case .notify:
            return "SCMP_ACT_NOTIFY is refused: it hands the syscall to a listener process outside the container; securerun never delegates syscall decisions"
        case .trace:
            return
                "SCMP_ACT_TRACE is refused: it lets a ptrace tracer outside the container run or rewrite the syscall; securerun never delegates syscall decisions"
        default:
            return nil
        }
    }
}
