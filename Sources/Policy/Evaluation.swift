/// One pass of the rules over a request. `Policy.enforce` stops at the first refusal; `Policy.findings`
/// (lint) notes each one and goes on with a fallback for the value the failed step would have made. Both
/// run the same steps in the same order, so a run's refusal is always lint's first finding.
struct Evaluation {
    /// Whether a refusal ends the pass.
    enum Mode {
        case stopAtFirst
        case collectAll
    }

    let mode: Mode
    /// The refusals noted so far (collect mode), each once.
    private(set) var refusals: [PolicyError] = []

    init(mode: Mode) {
        self.mode = mode
    }

    /// Throws `error` (stop mode) or notes it (collect mode).
    mutating func record(_ error: PolicyError) throws(PolicyError) {
        if mode == .stopAtFirst { throw error }
        if !refusals.contains(error) { refusals.append(error) }
    }

    /// Runs one step: its value, or nil once its refusal is noted.
    @discardableResult
    mutating func check<T>(_ step: () throws(PolicyError) -> T) throws(PolicyError) -> T? {
        do throws(PolicyError) {
            return try step()
        } catch {
            try record(error)
            return nil
        }
    }
}

/// The host's facts, read at most once per pass and only when a rule needs them.
final class HostFactsCache {
    private var facts: HostFacts?

    init(_ known: HostFacts?) {
        facts = known
    }

    func get() -> HostFacts {
        if let facts { return facts }
        let current = HostFacts.current()
        facts = current
        return current
    }
}

/// A request cut into the parts whose rules stop at their first problem (each volume, tmpfs mount, added
/// capability and ulimit; the memory, CPU, CPU-set, pids and shm flags), each part a request of its own with
/// what runs and as whom. Lint judges every part, so each bad volume of a line is its own finding.
enum RequestParts {
    static func split(_ request: RunRequest) -> [RunRequest] {
        var base = RunRequest(image: request.image)
        base.command = request.command
        base.entrypoint = request.entrypoint
        base.user = request.user
        base.groupAdd = request.groupAdd
        var parts: [RunRequest] = []
        func part(_ change: (inout RunRequest) -> Void) {
            var copy = base
            change(&copy)
            parts.append(copy)
        }
        for mount in request.mounts { part { $0.mounts = [mount] } }
        for tmpfs in request.tmpfs { part { $0.tmpfs = [tmpfs] } }
        for added in request.capAdd {
            part {
                $0.capAdd = [added]
                $0.capDrop = request.capDrop
            }
        }
        for ulimit in request.ulimits { part { $0.ulimits = [ulimit] } }
        part {
            $0.memory = request.memory
            $0.memorySwap = request.memorySwap
            $0.memoryReservation = request.memoryReservation
            $0.memorySwappiness = request.memorySwappiness
        }
        part {
            $0.nanoCPUs = request.nanoCPUs
            $0.cpuQuota = request.cpuQuota
            $0.cpuPeriod = request.cpuPeriod
            $0.cpuShares = request.cpuShares
            $0.realtimeCPU = request.realtimeCPU
        }
        part {
            $0.cpusetCPUs = request.cpusetCPUs
            $0.cpusetMems = request.cpusetMems
        }
        part { $0.pidsLimit = request.pidsLimit }
        part { $0.shmSize = request.shmSize }
        return parts
    }
}
