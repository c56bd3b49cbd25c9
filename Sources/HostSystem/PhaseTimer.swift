#if canImport(Glibc)
    import Glibc
#endif

/// Start-up profiling: with `SECURERUN_TRACE_PHASES=1`, each named phase of a command prints the
/// milliseconds since the process started to stderr (for `scripts/bench` and people profiling).
public enum PhaseTimer {
    static let enabled: Bool = getenv("SECURERUN_TRACE_PHASES").map { String(cString: $0) == "1" } ?? false

    /// Marks the end of `phase`.
    public static func mark(_ phase: StaticString) {
        guard enabled else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let milliseconds = Double(now.tv_sec) * 1000 + Double(now.tv_nsec) / 1_000_000 - processStart
        let line = "phase \(phase): \(Int(milliseconds * 10) / 10).\(Int(milliseconds * 10) % 10) ms\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    /// When this process started (from /proc/self/stat, in CLOCK_MONOTONIC milliseconds).
    static let processStart: Double = {
        guard let text = try? FileContents.text("/proc/self/stat"), let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return 0 }
        return ticks * 1000 / Double(sysconf(Int32(_SC_CLK_TCK)))
    }()
}
