import Policy

/// SR204: containers may swap. memorySwap above memory lets a container push its pages to the host's swap,
/// where they outlive it and slow every other workload.
public enum ProfileSwap: ProfileRule {
    public static let description = RuleDescription(
        id: "SR204", name: "profile-swap", severity: .warning, kinds: [.profile],
        summary: "containers do not swap (memorySwap equals memory)",
        explanation: """
            memorySwap counts memory plus swap. Above memory, the container may swap the difference: its secrets \
            land on the host's swap device, and a leaking container slows the whole host before the OOM killer acts.
            Fix: set resources.memorySwap equal to resources.memory (or leave it out: it then equals memory).
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        guard let swapText = profile.scalar("resources.memorySwap"), let swap = ByteSize(parsing: swapText) else { return }
        let memory = profile.scalar("resources.memory").flatMap(ByteSize.init(parsing:)) ?? ByteSize(bytes: 512 << 20)
        if swap > memory {
            sink.add(
                description, "resources.memorySwap \(swapText) is above resources.memory \(memory): containers may swap the difference",
                field: "resources.memorySwap")
        }
    }
}
