import Foundation

/// Bounded waits: a condition polled until it holds or its deadline passes, never a fixed sleep standing in
/// for an event. Deadlines are generous because the suite starts 50 containers at once on a 2-core machine;
/// a wait that runs out returns false and the check that follows fails with what it saw.
public enum Wait {
    /// The deadline for a container to get ready or an event to arrive, under the suite's full load.
    public static let standard: TimeInterval = 60

    /// Polls `condition` every `interval` seconds until it is true (returns true) or `timeout` passes (false).
    @discardableResult
    public static func until(timeout: TimeInterval = standard, interval: TimeInterval = 0.05, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if try condition() { return true }
            if Date() >= deadline { return false }
            usleep(useconds_t(interval * 1_000_000))
        }
    }
}
