import Foundation
import Glibc

/// What the policy needs to know about the host to judge some requests: the resource limits securerun itself
/// runs with (a container inherits them, so `--ulimit` may only lower them), the CPUs and memory nodes it may
/// use (`--cpuset-*` must be a subset), and its platform (`--platform`).
public struct HostFacts: Sendable, Equatable {
    /// Soft and hard limits by name; `RLIM_INFINITY` is -1, as docker writes unlimited.
    public var rlimits: [UlimitName: (soft: Int64, hard: Int64)]
    /// CPUs securerun may run on.
    public var cpus: Set<Int>
    /// Online memory nodes.
    public var memoryNodes: Set<Int>
    /// `linux/amd64`, `linux/arm64`, …
    public var platform: String

    public init(rlimits: [UlimitName: (soft: Int64, hard: Int64)], cpus: Set<Int>, memoryNodes: Set<Int>, platform: String) {
        self.rlimits = rlimits
        self.cpus = cpus
        self.memoryNodes = memoryNodes
        self.platform = platform
    }

    public static func == (lhs: HostFacts, rhs: HostFacts) -> Bool {
        lhs.cpus == rhs.cpus && lhs.memoryNodes == rhs.memoryNodes && lhs.platform == rhs.platform
            && lhs.rlimits.count == rhs.rlimits.count
            && lhs.rlimits.allSatisfy { key, value in rhs.rlimits[key].map { $0 == value } ?? false }
    }

    /// This host, as securerun's own process sees it.
    public static func current() -> HostFacts {
        var limits: [UlimitName: (soft: Int64, hard: Int64)] = [:]
        for name in UlimitName.allCases {
            var value = rlimit()
            guard getrlimit(resource(name), &value) == 0 else { continue }
            limits[name] = (signed(value.rlim_cur), signed(value.rlim_max))
        }
        // The affinity mask securerun runs with (sched_getaffinity needs _GNU_SOURCE, which Glibc's module lacks).
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let allowed = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
        let list = allowed.map { $0.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces) } ?? ""
        let cpus = Set(CPUListParser.parse(list)?.members ?? [])
        let nodesText = (try? String(contentsOfFile: "/sys/devices/system/node/online", encoding: .utf8)) ?? "0"
        let nodes = Set(CPUListParser.parse(nodesText.trimmingCharacters(in: .whitespacesAndNewlines))?.members ?? [0])
        var system = utsname()
        uname(&system)
        let machine = withUnsafeBytes(of: &system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let arch = ["x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"]
        return HostFacts(rlimits: limits, cpus: cpus, memoryNodes: nodes, platform: "linux/" + (arch[machine] ?? machine))
    }

    static func signed(_ value: rlim_t) -> Int64 {
        // RLIM_INFINITY is all ones (glibc's macro does not import into Swift).
        value == rlim_t.max || value > rlim_t(Int64.max) ? -1 : Int64(value)
    }

    /// The RLIMIT_* numbers of Linux's generic ABI (x86_64, arm64, riscv64; glibc's enum does not import).
    static func resource(_ name: UlimitName) -> __rlimit_resource_t {
        let numbers: [UlimitName: Int32] = [
            .cpu: 0, .fsize: 1, .data: 2, .stack: 3, .core: 4, .rss: 5, .nproc: 6, .nofile: 7, .memlock: 8, .locks: 10,
            .sigpending: 11, .msgqueue: 12, .nice: 13, .rtprio: 14, .rttime: 15,
        ]
        return __rlimit_resource_t(numbers[name] ?? 0)
    }
}

/// The kernel's CPU list notation (`0-3,5`), as `--cpuset-cpus` and /sys/devices/system/*/online write it.
public enum CPUListParser {
    /// The set, or nil when the text is not a list of numbers and ranges (at most 1024 members, each below 8192).
    public static func parse(_ text: String) -> CPUSet? {
        guard !text.isEmpty else { return nil }
        var members: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            let numbers = bounds.map { piece -> Int? in
                guard !piece.isEmpty, piece.count <= 5, piece.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
                return Int(piece)
            }
            guard (1...2).contains(bounds.count), let low = numbers.first ?? nil, let high = numbers.last ?? nil, low <= high, high < 8192 else {
                return nil
            }
            members += Array(low...high)
            if members.count > 1024 { return nil }
        }
        return CPUSet(members)
    }
}
