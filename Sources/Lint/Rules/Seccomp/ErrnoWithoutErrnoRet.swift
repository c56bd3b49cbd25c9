/// SR107: an `SCMP_ACT_ERRNO` without the errno to return. Runtimes disagree on what that means (runc and
/// securerun return EPERM; older engines returned 0, which a program reads as success).
public enum ErrnoWithoutErrnoRet: SeccompRule {
    public static let description = RuleDescription(
        id: "SR107", name: "seccomp-errno-without-errnoret", severity: .warning, kinds: [.seccomp, .runtimeConfig],
        summary: "every SCMP_ACT_ERRNO says which errno it returns",
        explanation: """
            Without errnoRet (defaultErrnoRet for the default action) the errno is up to the runtime: EPERM in runc \
            and securerun, but libseccomp's SCMP_ACT_ERRNO(0) is success, and a denied call that "succeeds" makes \
            programs act on results they never got. ENOSYS (38) makes libc fall back to older syscalls; EPERM (1) \
            says "not allowed".
            Fix: add "errnoRet": 1 to the rule (or "defaultErrnoRet": 1 beside the default action).
            """)

    public static func check(_ document: SeccompDocument, into sink: inout FindingSink) {
        let profile = document.profile
        if profile.defaultAction == .errno, profile.defaultErrnoRet == nil {
            sink.add(
                description, "defaultAction SCMP_ACT_ERRNO without defaultErrnoRet; add \"defaultErrnoRet\": 1 (EPERM)", field: document.field("defaultAction"))
        }
        for (offset, rule) in document.rules where rule.action == .errno && rule.errnoRet == nil {
            sink.add(
                description, "syscalls[\(offset)] is SCMP_ACT_ERRNO without errnoRet; add \"errnoRet\": 1 (EPERM)", field: document.ruleField(offset, "action"))
        }
    }
}
