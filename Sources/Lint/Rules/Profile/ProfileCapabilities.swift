/// SR202: the profile lets containers keep capabilities beyond the safe set (NET_BIND_SERVICE), each
/// explained. A capability in the allow-list is one any request may `--cap-add`.
public enum ProfileCapabilities: ProfileRule {
    public static let description = RuleDescription(
        id: "SR202", name: "profile-capability-beyond-safe-set", severity: .error, kinds: [.profile, .runtimeConfig],
        summary: "capabilities stay within the safe set (NET_BIND_SERVICE)",
        explanation: """
            Each capability is a piece of root. SYS_ADMIN (mount, namespaces, BPF), NET_ADMIN, SYS_PTRACE, \
            SYS_MODULE, DAC_READ_SEARCH, DAC_OVERRIDE, SYS_RAWIO, BPF, PERFMON, SYS_BOOT, SYS_TIME, MAC_*, SYSLOG, \
            SETUID, SETGID, SETFCAP, SETPCAP, MKNOD, NET_RAW and the others are errors: each has a known way to \
            the host or to other containers. Any other capability outside NET_BIND_SERVICE is a warning. \
            Kubernetes' "restricted" standard allows NET_BIND_SERVICE alone.
            Fix: remove the capability; if the program really needs one, grant that one in a profile of its own \
            and say why in a comment.
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        for (offset, node) in (profile.list("capabilities") ?? []).enumerated() {
            guard let text = node.text, let name = CapabilityRisks.canonical(text), let (severity, reason) = CapabilityRisks.risk(name) else {
                continue
            }
            sink.add(description, "\(name): \(reason)", field: "capabilities[\(offset)]", severity: severity)
        }
    }
}
