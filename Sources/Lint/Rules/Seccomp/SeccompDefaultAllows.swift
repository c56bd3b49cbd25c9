/// SR101: the default action lets unlisted syscalls run. A deny-list misses every syscall it does not
/// name, including ones added to the kernel after it was written (io_uring, for one).
public enum SeccompDefaultAllows: SeccompRule {
    public static let description = RuleDescription(
        id: "SR101", name: "seccomp-default-allows", severity: .error, kinds: [.seccomp, .runtimeConfig],
        summary: "the default action denies what no rule allows",
        explanation: """
            With defaultAction SCMP_ACT_ALLOW (or SCMP_ACT_LOG) the profile is a deny-list: every syscall it does \
            not name runs, including those the kernel gains later (io_uring_setup arrived in 5.1 and bypassed \
            deny-lists written before it). An allow-list fails closed.
            Fix: set "defaultAction": "SCMP_ACT_ERRNO" with "defaultErrnoRet": 1 (EPERM) and list the syscalls \
            the program needs with SCMP_ACT_ALLOW; start from profiles/seccomp/default.json.
            """)

    public static func check(_ document: SeccompDocument, into sink: inout FindingSink) {
        let action = document.profile.defaultAction
        guard action == .allow || action == .log else { return }
        sink.add(
            description,
            "defaultAction \(action.rawValue) runs every syscall no rule names; use SCMP_ACT_ERRNO and allow what the program needs",
            field: document.field("defaultAction"))
    }
}
