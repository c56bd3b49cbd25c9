import Seccomp

/// SR102: a syscall name libseccomp does not know for the profile's architectures. runc skips such a
/// name with a debug-level log, crun only fails on it with an annotation: the rule silently does not exist.
public enum UnknownSyscall: SeccompRule {
    public static let description = RuleDescription(
        id: "SR102", name: "seccomp-unknown-syscall", severity: .error, kinds: [.seccomp, .runtimeConfig],
        summary: "every syscall name is one libseccomp knows for the listed architectures",
        explanation: """
            A misspelt name (opne for open) or one newer than the installed libseccomp is skipped silently by runc \
            and gVisor, so an allow rule allows less than intended and, worse, a deny rule in a deny-list denies \
            nothing. securerun resolves every name through libseccomp and refuses such a profile before launch.
            Fix: correct the name (the message suggests the closest known one) or remove it; for a syscall newer \
            than this libseccomp, upgrade libseccomp on the hosts that run the profile.
            """)

    public static func check(_ document: SeccompDocument, into sink: inout FindingSink) {
        var architectures = document.listedArchitectures.filter(\.isSupported)
        if architectures.isEmpty, let native = SeccompArchitecture.native { architectures = [native] }
        for (offset, rule) in document.rules {
            for (name, field) in document.names(offset, rule) where !name.isEmpty {
                let missing = architectures.filter { !LibSeccomp.knows(name, on: $0) }
                guard !missing.isEmpty else { continue }
                let closest = SyscallNames.closest(to: name).map { "; did you mean \"\($0)\"?" } ?? ""
                let which =
                    missing.count == architectures.count
                    ? "" : " on \(missing.map { String($0.rawValue.dropFirst("SCMP_ARCH_".count)) }.joined(separator: ", "))"
                sink.add(
                    description,
                    "unknown syscall \"\(name)\"\(which): libseccomp \(LibSeccomp.version) does not know it, and runc would skip it silently\(closest)",
                    field: field)
            }
        }
    }
}

/// The native syscall names, for suggestions.
enum SyscallNames {
    static let native: [String] = LibSeccomp.nativeSyscallNames().sorted()

    /// The known name closest to `name` (edit distance at most a third of its length, and 3), if any.
    static func closest(to name: String) -> String? {
        let limit = min(3, max(1, name.count / 3))
        var best: (String, Int)?
        for candidate in native where abs(candidate.count - name.count) <= limit {
            let distance = editDistance(Array(name.utf8), Array(candidate.utf8))
            if distance <= limit, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// Levenshtein distance with adjacent transpositions (`opne` → `open` is one edit).
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
