/// SR302: capabilities beyond the safe set in any of the five sets (bounding, effective, inheritable,
/// permitted, ambient).
public enum RuntimeCapabilities: RuntimeConfigRule {
    public static let description = RuleDescription(
        id: "SR302", name: "runtime-capability-beyond-safe-set", severity: .error, kinds: [.runtimeConfig],
        summary: "every capability set stays within the safe set (NET_BIND_SERVICE)",
        explanation: """
            The bounding set caps what the process can ever gain (through setuid or file capabilities), the others \
            are what it has. docker's and runc's defaults include CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID, \
            NET_RAW, MKNOD and more: each a piece of root (see securerun lint --explain SR202).
            Fix: empty every set, or keep NET_BIND_SERVICE alone.
            """)

    public static func check(_ config: RuntimeConfigDocument, into sink: inout FindingSink) {
        var reported: Set<String> = []
        for set in ["bounding", "effective", "permitted", "inheritable", "ambient"] {
            for (offset, node) in (config.value("process.capabilities.\(set)")?.elements ?? []).enumerated() {
                guard let text = node.value.string, let name = CapabilityRisks.canonical(text), let (severity, reason) = CapabilityRisks.risk(name) else {
                    continue
                }
                // One finding per capability, at the set where it first appears.
                guard reported.insert(name).inserted else { continue }
                sink.add(description, "\(name) (\(set)): \(reason)", field: "process.capabilities.\(set)[\(offset)]", severity: severity)
            }
        }
    }
}
