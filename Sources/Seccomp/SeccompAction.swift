/// What the kernel does when a seccomp rule (or the default) matches, spelled as the OCI runtime spec
/// and Docker's profiles spell it.
public enum SeccompAction: String, Codable, Sendable, CaseIterable, Hashable {
    case kill = "SCMP_ACT_KILL"
    case killProcess = "SCMP_ACT_KILL_PROCESS"
    case killThread = "SCMP_ACT_KILL_THREAD"
    case trap = "SCMP_ACT_TRAP"
    case errno = "SCMP_ACT_ERRNO"
    case trace = "SCMP_ACT_TRACE"
    case allow = "SCMP_ACT_ALLOW"
    case log = "SCMP_ACT_LOG"
    case notify = "SCMP_ACT_NOTIFY"

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let action = SeccompAction(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "unknown action \"\(text)\" (expected one of \(SeccompAction.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = action
    }

    /// How much the action lets the syscall happen: 0 denies it (errno, kill, trap), 1 runs it (allow, log),
    /// 2 hands it to another process (a tracer or a notify listener), which may run it, rewrite it or, for
    /// a listener, install file descriptors into the container: more than allowing it, so a filter that
    /// replaces an allow with trace or notify is never "stricter". (Loading refuses both anyway.)
    public var permissiveness: Int {
        switch self {
        case .kill, .killProcess, .killThread, .trap, .errno: return 0
        case .allow, .log: return 1
        case .trace, .notify: return 2
        }
    }
}

/// A comparison of one syscall argument, as libseccomp's `SCMP_CMP_*`.
public enum SeccompOperator: String, Codable, Sendable, CaseIterable, Hashable {
    case notEqual = "SCMP_CMP_NE"
    case lessThan = "SCMP_CMP_LT"
    case lessThanOrEqual = "SCMP_CMP_LE"
    case equal = "SCMP_CMP_EQ"
    case greaterThanOrEqual = "SCMP_CMP_GE"
    case greaterThan = "SCMP_CMP_GT"
    case maskedEqual = "SCMP_CMP_MASKED_EQ"

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let op = SeccompOperator(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription:
                    "unknown comparison operator \"\(text)\" (expected one of \(SeccompOperator.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = op
    }
}

/// A flag passed to seccomp(2) when the filter is loaded, as the OCI runtime spec spells it.
public enum SeccompFlag: String, Codable, Sendable, CaseIterable, Hashable {
    case tsync = "SECCOMP_FILTER_FLAG_TSYNC"
    case log = "SECCOMP_FILTER_FLAG_LOG"
    case specAllow = "SECCOMP_FILTER_FLAG_SPEC_ALLOW"
    case waitKillableRecv = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let flag = SeccompFlag(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "unknown seccomp flag \"\(text)\" (expected one of \(SeccompFlag.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = flag
    }
}
