import Policy

/// SR203: memory, CPU or pids ceilings so high they bound nothing. The shipped profiles use 512m, 1 CPU
/// and 256 tasks; a profile far above that lets one container starve the host.
public enum ProfileResourceLimits: ProfileRule {
    public static let description = RuleDescription(
        id: "SR203", name: "profile-resource-limits", severity: .warning, kinds: [.profile],
        summary: "memory, CPU and pids ceilings bound a container",
        explanation: """
            A ceiling above what a host has is no ceiling: a fork bomb stops at pidsLimit, a leak at memory, a \
            busy loop at cpus. Values above 64g of memory, 64 CPUs or 32768 tasks are reported; an omitted \
            field takes securerun's default (512m, 1 CPU, 256), which is fine.
            Fix: set resources.memory, resources.cpus and resources.pidsLimit to what the workload needs plus a margin.
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        if let text = profile.scalar("resources.memory"), let size = ByteSize(parsing: text), size.bytes > 64 << 30 {
            sink.add(description, "resources.memory \(text) is above 64g: it bounds no host this runs on", field: "resources.memory")
        }
        if let text = profile.scalar("resources.cpus"), let cpus = Double(text), cpus > 64 {
            sink.add(description, "resources.cpus \(text) is above 64 CPUs: it bounds no host this runs on", field: "resources.cpus")
        }
        if let text = profile.scalar("resources.pidsLimit"), let pids = Int64(text), pids > 32768 {
            sink.add(description, "resources.pidsLimit \(text) is above 32768: a fork bomb would exhaust the host's pids first", field: "resources.pidsLimit")
        }
    }
}
