/// SR309: /proc and /sys paths docker masks or makes read-only are left open: /proc/kcore is the host's
/// memory, /proc/sysrq-trigger reboots it, /sys/firmware holds its firmware tables.
public enum RuntimeMaskedPaths: RuntimeConfigRule {
    public static let description = RuleDescription(
        id: "SR309", name: "runtime-masked-paths", severity: .warning, kinds: [.runtimeConfig],
        summary: "docker's masked and read-only /proc and /sys paths are kept",
        explanation: """
            linux.maskedPaths hides /proc/kcore, /proc/keys, /proc/timer_list, /sys/firmware and others; \
            linux.readonlyPaths keeps /proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus and /proc/fs read-only. \
            A missing entry exposes host-wide kernel state or controls.
            Fix: add the paths the message lists (securerun run --dry-run shows the full lists).
            """)

    static let masked = [
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi",
        "/proc/timer_list", "/proc/timer_stats", "/sys/firmware",
    ]
    static let readonly = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    public static func check(_ config: RuntimeConfigDocument, into sink: inout FindingSink) {
        guard config.value("linux") != nil else { return }
        for (field, expected) in [("maskedPaths", masked), ("readonlyPaths", readonly)] {
            let present = Set(config.strings("linux.\(field)") ?? [])
            let missing = expected.filter { !present.contains($0) }
            guard !missing.isEmpty else { continue }
            sink.add(
                description, "linux.\(field) lacks \(missing.joined(separator: ", "))",
                field: config.value("linux.\(field)") == nil ? "linux" : "linux.\(field)")
        }
    }
}
