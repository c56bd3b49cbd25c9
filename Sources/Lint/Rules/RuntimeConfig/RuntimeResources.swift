/// SR306: no memory, pids or CPU limit in `linux.resources`, or unlimited swap: one container can take the
/// host's memory, processes or CPU.
public enum RuntimeResources: RuntimeConfigRule {
    public static let description = RuleDescription(
        id: "SR306", name: "runtime-resource-limits", severity: .warning, kinds: [.runtimeConfig],
        summary: "linux.resources limits memory, pids and CPU",
        explanation: """
            Without memory.limit a leak takes the host's memory (and the OOM killer picks host processes too); \
            without pids.limit a fork bomb takes every pid; without cpu.quota a busy loop takes every CPU. \
            memory.swap -1 (or above the limit) lets the container swap without bound.
            Fix: set linux.resources.memory.limit and swap (equal), pids.limit and cpu.quota with cpu.period.
            """)

    public static func check(_ config: RuntimeConfigDocument, into sink: inout FindingSink) {
        guard config.value("linux") != nil else { return }
        let place = config.value("linux.resources") == nil ? "linux" : "linux.resources"
        let memory = config.value("linux.resources.memory.limit")?.integer
        if memory == nil || memory ?? 0 <= 0 { sink.add(description, "no memory limit (linux.resources.memory.limit)", field: place) }
        if (config.value("linux.resources.pids.limit")?.integer ?? 0) <= 0 {
            sink.add(description, "no pids limit (linux.resources.pids.limit): a fork bomb takes every pid", field: place)
        }
        if config.value("linux.resources.cpu.quota")?.integer ?? -1 <= 0 {
            sink.add(description, "no CPU quota (linux.resources.cpu.quota)", field: place, severity: .note)
        }
        if let swap = config.value("linux.resources.memory.swap")?.integer, swap == -1 || (memory.map { swap > $0 } ?? false) {
            sink.add(
                description, "memory.swap \(swap) lets the container swap\(swap == -1 ? " without bound" : " beyond its memory limit")",
                field: "linux.resources.memory.swap")
        }
    }
}
