/// What /proc/PID/stat says about a process: enough to tell a live owner from a dead or reused pid.
public struct ProcessStat: Sendable, Equatable {
    /// Field 3: R, S, D, Z (zombie), …
    public var state: String
    /// Field 22: start time in clock ticks since boot (a reused pid has another).
    public var startTime: String

    /// Reads /proc/`pid`/stat; nil when there is no such process.
    public static func read(_ pid: Int32) -> ProcessStat? {
        guard let text = try? FileContents.text("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may contain spaces and parentheses) start at field 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? ProcessStat(state: String(fields[0]), startTime: String(fields[19])) : nil
    }
}
