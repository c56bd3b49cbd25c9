/// Memory, swap, CPU, pids and rlimits after a request has tightened the profile's ceilings. A value above a
/// ceiling, or one that means "unlimited" in docker (`-m 0`, `--memory-swap -1`, `--cpus 0`,
/// `--cpu-quota -1`, `--pids-limit 0` or `-1`), is refused: it is never lowered to fit.
struct ResourceLimits {
    var memory: ByteSize
    var memorySwap: ByteSize
    var memoryReservation: ByteSize?
    var swappiness: UInt64?
    var cpuQuota: Int64
    var cpuPeriod: UInt64
    var cpuShares: UInt64?
    var cpusetCPUs: CPUSet?
    var cpusetMems: CPUSet?
    var pids: Int64
    var rlimits: [Ulimit]

    /// Docker's `--cpus` uses a 100 ms period.
    static let cpuPeriod: UInt64 = 100_000
    /// Docker's default CPU weight.
    static let defaultShares: Int64 = 1024

    static func enforce(_ request: RunRequest, profile: Profile, judge: Judge, host: () -> HostFacts) throws(PolicyError) -> ResourceLimits {
        let (memory, memorySwap) = try enforceMemory(request, profile: profile, judge: judge)
        var reservation: ByteSize?
        if let entry = request.memoryReservation, entry.value.bytes > 0 {
            if entry.value > memory {
                throw judge.invalid(entry.origin, "the memory reservation (a soft limit) must not be above the memory limit (\(memory))")
            }
            reservation = entry.value
        }
        let (quota, period, shares) = try enforceCPU(request, profile: profile, judge: judge)
        let cpusetCPUs = try enforceCPUSet(request.cpusetCPUs, allowed: { host().cpus }, rule: .cpu, what: "CPUs", judge: judge)
        let cpusetMems = try enforceCPUSet(request.cpusetMems, allowed: { host().memoryNodes }, rule: nil, what: "memory nodes", judge: judge)
        var pids = profile.pidsLimit
        if let entry = request.pidsLimit {
            if entry.value <= 0 {
                throw judge.refuse(
                    .pids, entry.origin,
                    "\(entry.value) means unlimited in docker; the number of tasks is capped at \(profile.pidsLimit); \(RefusalHints.ceiling("resources.pidsLimit"))"
                )
            }
            if entry.value > profile.pidsLimit {
                throw judge.refuse(.pids, entry.origin, "the number of tasks is capped at \(profile.pidsLimit); \(RefusalHints.ceiling("resources.pidsLimit"))")
            }
            pids = entry.value
        }
        return ResourceLimits(
            memory: memory, memorySwap: memorySwap, memoryReservation: reservation, swappiness: request.memorySwappiness.map { UInt64($0.value) },
            cpuQuota: quota, cpuPeriod: period, cpuShares: shares, cpusetCPUs: cpusetCPUs, cpusetMems: cpusetMems, pids: pids,
            rlimits: try enforceUlimits(request, profile: profile, judge: judge, host: host))
    }

    // MARK: - Memory

    static func enforceMemory(_ request: RunRequest, profile: Profile, judge: Judge) throws(PolicyError) -> (ByteSize, ByteSize) {
        var memory = profile.memory
        if let entry = request.memory {
            let size = entry.value
            if size.bytes == 0 {
                throw judge.refuse(
                    .memory, entry.origin, "0 means no limit in docker; memory is capped at \(profile.memory); \(RefusalHints.ceiling("resources.memory"))")
            }
            if size > profile.memory {
                throw judge.refuse(.memory, entry.origin, "memory is capped at \(profile.memory); \(RefusalHints.ceiling("resources.memory"))")
            }
            if size.bytes < 6 << 20 {
                throw judge.invalid(entry.origin, "the minimum memory limit is 6m")
            }
            memory = size
        }
        // Unset swap keeps the profile's allowance of swap on top of the (possibly lower) memory.
        let allowance = profile.memorySwap.bytes - profile.memory.bytes
        var memorySwap = ByteSize(bytes: memory.bytes + allowance)
        if let entry = request.memorySwap {
            switch entry.value {
            case .unlimited:
                throw judge.refuse(
                    .memory, entry.origin,
                    "-1 means unlimited swap; memory plus swap is capped at \(profile.memorySwap); \(RefusalHints.ceiling("resources.memorySwap"))")
            case .limit(let size):
                if size < memory {
                    throw judge.invalid(entry.origin, "memory plus swap must be at least --memory (\(memory))")
                }
                if size > profile.memorySwap {
                    throw judge.refuse(
                        .memory, entry.origin, "memory plus swap is capped at \(profile.memorySwap); \(RefusalHints.ceiling("resources.memorySwap"))")
                }
                // Swap itself is capped too: a lower --memory must not turn the difference into swap the
                // profile never allowed (memorySwap equal to memory means no swap at all).
                if size.bytes - memory.bytes > allowance {
                    throw judge.refuse(.memory, entry.origin, "swap is capped at \(ByteSize(bytes: allowance)) on top of --memory")
                }
                memorySwap = size
            }
        }
        return (memory, memorySwap)
    }

    // MARK: - CPU

    static func enforceCPU(_ request: RunRequest, profile: Profile, judge: Judge) throws(PolicyError) -> (Int64, UInt64, UInt64?) {
        let ceiling = "CPU is capped at \(formatCPUs(profile.cpus)); \(RefusalHints.ceiling("resources.cpus"))"
        for entry in request.realtimeCPU where entry.value != 0 {
            throw judge.refuse(
                .cpu, entry.origin, "a real-time CPU budget lets the container's real-time threads starve the host; containers get none")
        }
        var period = Int64(cpuPeriod)
        var quota = Int64((profile.cpus * Double(cpuPeriod)).rounded())
        if let entry = request.nanoCPUs {
            if let other = request.cpuQuota ?? request.cpuPeriod {
                throw judge.invalid(entry.origin, "--cpus and \(other.origin.flag) cannot both be set (docker refuses them too)")
            }
            if entry.value == 0 {
                throw judge.refuse(.cpu, entry.origin, "0 means no limit in docker; \(ceiling)")
            }
            if Double(entry.value) > profile.cpus * 1e9 {
                throw judge.refuse(.cpu, entry.origin, ceiling)
            }
            quota = max(1000, Int64((Double(entry.value) / 1e9 * Double(cpuPeriod)).rounded()))
        }
        if let entry = request.cpuPeriod, entry.value != 0 {
            guard (1000...1_000_000).contains(entry.value) else {
                throw judge.invalid(entry.origin, "the CPU period must be from 1000 (1ms) to 1000000 (1s) microseconds")
            }
            period = entry.value
            quota = Int64((profile.cpus * Double(period)).rounded())
        }
        if let entry = request.cpuQuota, entry.value != 0 {
            if entry.value < 0 {
                throw judge.refuse(.cpu, entry.origin, "\(entry.value) means no limit in docker; \(ceiling)")
            }
            guard entry.value >= 1000 else {
                throw judge.invalid(entry.origin, "the CPU quota must be at least 1000 microseconds (1ms)")
            }
            quota = entry.value
        }
        if Double(quota) > profile.cpus * Double(period) + 0.5 {
            let origin = request.cpuQuota?.origin ?? request.cpuPeriod?.origin ?? .flag("--cpu-quota", "\(quota)")
            throw judge.refuse(
                .cpu, origin, "a quota of \(quota) per \(period) microseconds is \(formatCPUs(Double(quota) / Double(period))) CPUs; \(ceiling)")
        }
        quota = max(1000, quota)
        var shares: UInt64?
        if let entry = request.cpuShares, entry.value != 0 {
            if entry.value > defaultShares {
                throw judge.refuse(
                    .cpu, entry.origin, "a CPU weight above docker's default of \(defaultShares) takes CPU time from other containers under contention")
            }
            guard entry.value >= 2 else {
                throw judge.invalid(entry.origin, "the CPU weight must be from 2 to \(defaultShares)")
            }
            shares = UInt64(entry.value)
        }
        return (quota, UInt64(period), shares)
    }

    static func enforceCPUSet(
        _ entry: Flagged<CPUSet>?, allowed: () -> Set<Int>, rule: PolicyViolation.Rule?, what: String, judge: Judge
    ) throws(PolicyError) -> CPUSet? {
        guard let entry else { return nil }
        let available = allowed()
        let outside = entry.value.members.filter { !available.contains($0) }
        guard outside.isEmpty else {
            let detail = "\(what) \(CPUSet(outside)) are not among those securerun may use (\(CPUSet(Array(available))))"
            if let rule { throw judge.refuse(rule, entry.origin, detail) }
            throw judge.invalid(entry.origin, detail)
        }
        return entry.value
    }

    static func formatCPUs(_ cpus: Double) -> String {
        cpus == cpus.rounded() ? String(Int(cpus)) : String(cpus)
    }

    // MARK: - Resource limits

    /// The profile's `rlimits`, then `--ulimit`: a request may only lower a limit, its hard limit at most
    /// the profile's (or, for a limit the profile leaves out, securerun's own, which the container inherits
    /// and runc as root could raise); -1 is unlimited.
    static func enforceUlimits(_ request: RunRequest, profile: Profile, judge: Judge, host: () -> HostFacts) throws(PolicyError) -> [Ulimit] {
        // A profile's limit above securerun's own hard limit is lowered to it: raising one needs
        // CAP_SYS_RESOURCE, which a host (or a sandbox securerun runs in) may not give, and the container
        // then would not start at all.
        let own = profile.rlimits.isEmpty ? [:] : host().rlimits
        let limits = profile.rlimits.map { limit -> Ulimit in
            guard let ceiling = own[limit.name]?.hard, ceiling != -1, limit.hard == -1 || limit.hard > ceiling else { return limit }
            return Ulimit(name: limit.name, soft: limit.soft == -1 ? ceiling : min(limit.soft, ceiling), hard: ceiling)
        }
        var chosen = Dictionary(limits.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        var order = limits.map(\.name)
        let set = Set(order)
        func above(_ value: Int64, _ ceiling: Int64) -> Bool {
            if ceiling == -1 { return false }
            return value == -1 || value > ceiling
        }
        for entry in request.ulimits {
            let requested = entry.value
            if set.contains(requested.name), let ceiling = limits.first(where: { $0.name == requested.name }) {
                if above(requested.hard, ceiling.hard) {
                    throw judge.refuse(
                        .ulimits, entry.origin,
                        "\(requested.name.rawValue) may only be lowered: the profile's rlimits.\(requested.name.rawValue) (at most securerun's own) has a hard limit of \(ceiling.hard == -1 ? "unlimited" : String(ceiling.hard))"
                    )
                }
            } else {
                guard let current = host().rlimits[requested.name] else {
                    throw judge.refuse(.ulimits, entry.origin, "securerun cannot read its own \(requested.name.rlimitName), so it cannot tell a lower one")
                }
                if above(requested.hard, current.hard) {
                    throw judge.refuse(
                        .ulimits, entry.origin,
                        "\(requested.name.rawValue) may only be lowered: securerun runs with a hard limit of \(current.hard == -1 ? "unlimited" : String(current.hard))"
                    )
                }
            }
            if chosen[requested.name] == nil { order.append(requested.name) }
            chosen[requested.name] = requested
        }
        return order.compactMap { chosen[$0] }
    }
}
