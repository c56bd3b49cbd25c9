import Seccomp

/// SR108: a syscall decision left to someone else or only logged: `SCMP_ACT_NOTIFY` (and `listenerPath`,
/// `listenerMetadata`) hands it to a listener process, `SCMP_ACT_TRACE` to a ptrace tracer, and
/// `SCMP_ACT_LOG` lets it run.
public enum DelegatedSyscallDecision: SeccompRule {
    public static let description = RuleDescription(
        id: "SR108", name: "seccomp-decision-delegated", severity: .error, kinds: [.seccomp, .runtimeConfig],
        summary: "the filter itself decides every syscall",
        explanation: """
            With listenerPath runc connects, as root, to that unix socket and sends it the container's seccomp notify \
            fd: whoever listens answers for the container's syscalls and can install file descriptors into it. \
            SCMP_ACT_TRACE stops the process for a ptrace tracer, which may run or rewrite the call; any process \
            allowed to ptrace the container's uid could become that tracer. securerun refuses both. SCMP_ACT_LOG \
            (a warning) allows the call and only writes an audit record: fine while recording a profile, not in one \
            that runs.
            Fix: replace the action with SCMP_ACT_ALLOW or SCMP_ACT_ERRNO, and remove listenerPath and listenerMetadata.
            """)

    public static func check(_ document: SeccompDocument, into sink: inout FindingSink) {
        let profile = document.profile
        if let path = profile.listenerPath {
            sink.add(
                description, "listenerPath \"\(path)\" makes runc hand the container's seccomp notify fd to that socket as root",
                field: document.field("listenerPath"))
        }
        if profile.listenerMetadata != nil {
            sink.add(description, "listenerMetadata is only sent to a notify listener; remove it", field: document.field("listenerMetadata"))
        }
        func judge(_ action: SeccompAction, field: String, what: String) {
            switch action {
            case .notify: sink.add(description, "\(what) SCMP_ACT_NOTIFY hands syscalls to a listener process outside the container", field: field)
            case .trace: sink.add(description, "\(what) SCMP_ACT_TRACE lets a ptrace tracer run or rewrite syscalls", field: field)
            case .log: sink.add(description, "\(what) SCMP_ACT_LOG lets syscalls run and only logs them", field: field, severity: .warning)
            default: break
            }
        }
        judge(profile.defaultAction, field: document.field("defaultAction"), what: "defaultAction")
        for (offset, rule) in document.rules { judge(rule.action, field: document.ruleField(offset, "action"), what: "syscalls[\(offset)]:") }
    }
}
