/// Memory, swap, CPU and pids limits after a request has tightened the profile's ceilings.
struct ResourceLimits {
    var memory: ByteSize
    var memorySwap: ByteSize
    var cpuQuota: Int64
    var pids: Int64

    /// Docker's `--cpus` uses a 100 ms period.
    static let cpuPeriod: UInt64 = 100_000

    static func enforce(
        _ request: RunRequest, profile: Profile,
        refuse: (PolicyViolation.Rule, String, String) -> PolicyError
    ) throws(PolicyError) -> ResourceLimits {
        var memory = profile.memory
        if let text = request.memory {
            guard let size = ByteSize(parsing: text), size.bytes > 0 else {
                throw .invalidRequest(flag: "--memory \(text)", reason: "expected a size such as 256m or 1g")
            }
            if size > profile.memory {
                throw refuse(.memory, "--memory \(text)", "memory is capped at \(profile.memory)")
            }
            if size.bytes < 6 << 20 {
                throw .invalidRequest(flag: "--memory \(text)", reason: "the minimum memory limit is 6m")
            }
            memory = size
        }
        // Unset swap keeps the profile's allowance of swap on top of the (possibly lower) memory.
        let allowance = profile.memorySwap.bytes - profile.memory.bytes
        var memorySwap = ByteSize(bytes: memory.bytes + allowance)
        if let text = request.memorySwap, text != "0" {
            if text == "-1" {
                throw refuse(.memory, "--memory-swap -1", "memory plus swap is capped at \(profile.memorySwap)")
            }
            guard let size = ByteSize(parsing: text) else {
                throw .invalidRequest(flag: "--memory-swap \(text)", reason: "expected a size such as 512m, or -1")
            }
            if size < memory {
                throw .invalidRequest(flag: "--memory-swap \(text)", reason: "memory plus swap must be at least --memory (\(memory))")
            }
            if size > profile.memorySwap {
                throw refuse(.memory, "--memory-swap \(text)", "memory plus swap is capped at \(profile.memorySwap)")
            }
            // Swap itself is capped too: a lower --memory must not turn the difference into swap the
            // profile never allowed (memorySwap equal to memory means no swap at all).
            if size.bytes - memory.bytes > allowance {
                throw refuse(.memory, "--memory-swap \(text)", "swap is capped at \(ByteSize(bytes: allowance)) on top of --memory")
            }
            memorySwap = size
        }
        var cpus = profile.cpus
        if let text = request.cpus {
            guard let value = Double(text), value > 0, value.isFinite else {
                throw .invalidRequest(flag: "--cpus \(text)", reason: "expected a number of CPUs above 0, such as 0.5")
            }
            if value > profile.cpus {
                throw refuse(.cpu, "--cpus \(text)", "CPU is capped at \(formatCPUs(profile.cpus))")
            }
            cpus = value
        }
        var pids = profile.pidsLimit
        if let text = request.pidsLimit {
            guard let value = Int64(text) else {
                throw .invalidRequest(flag: "--pids-limit \(text)", reason: "expected a whole number")
            }
            if value <= 0 {
                throw refuse(.pids, "--pids-limit \(text)", "the number of tasks is capped at \(profile.pidsLimit); unlimited is not allowed")
            }
            if value > profile.pidsLimit {
                throw refuse(.pids, "--pids-limit \(text)", "the number of tasks is capped at \(profile.pidsLimit)")
            }
            pids = value
        }
        let quota = max(1000, Int64((cpus * Double(cpuPeriod)).rounded()))
        return ResourceLimits(memory: memory, memorySwap: memorySwap, cpuQuota: quota, pids: pids)
    }

    static func formatCPUs(_ cpus: Double) -> String {
        cpus == cpus.rounded() ? String(Int(cpus)) : String(cpus)
    }
}
