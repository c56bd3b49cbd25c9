import Foundation
import TestSupport
import Testing

/// `securerun` started in the background, for tests that signal or kill it while its container runs.
///
/// Its stdout goes to a file, not a pipe: after a SIGKILL the orphaned runtime keeps its stdout open, and
/// Foundation's Process reports the exit only once every holder of a pipe has closed it.
final class BackgroundRun {
    let process = Process()
    let log: URL

    /// Starts `securerun ARGUMENTS` with `SECURERUN_ROOT=root`, logging stdout to `logDirectory/NAME.out`;
    /// with `tracingPhases`, also its phase marks (`SECURERUN_TRACE_PHASES=1`, on stderr) to the same file.
    init(_ arguments: [String], root: URL, logDirectory: URL, name: String, tracingPhases: Bool = false) throws {
        log = logDirectory.appendingPathComponent("\(name).out")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        // The test's own environment, as CLI.exec gives it, with this state root.
        var environment = ProcessInfo.processInfo.environment.merging(["SECURERUN_ROOT": root.path]) { $1 }
        if tracingPhases { environment["SECURERUN_TRACE_PHASES"] = "1" }
        process.environment = environment
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        if tracingPhases { process.standardError = output }
        try process.run()
    }

    /// What the container printed so far.
    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Waits (up to `Wait.standard`) until the output contains `text`, e.g. the container's "ready".
    @discardableResult
    func waitFor(_ text: String, timeout: TimeInterval = Wait.standard) -> Bool {
        Wait.until(timeout: timeout) { output.contains(text) }
    }

    /// Waits (up to `timeout`) for securerun to exit on its own; its exit status, or nil when it still runs.
    func waitForExit(timeout: TimeInterval = Wait.standard) -> Int32? {
        guard Wait.until(timeout: timeout, { !process.isRunning }) else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Sends `signal` to securerun and waits (up to `Wait.standard`) for it to exit; returns its exit
    /// status, or -1 when it did not exit (it is then SIGKILLed, so the test ends either way).
    func signal(_ signal: Int32) -> Int32 {
        kill(process.processIdentifier, signal)
        guard let status = waitForExit() else {
            killHard()
            return -1
        }
        return status
    }

    /// SIGKILLs securerun and waits until it is dead (gone or a zombie); Foundation may only reap it once
    /// the orphaned runtime exits, so this does not wait for that.
    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        Wait.until {
            let stat = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)) ?? ""
            return stat.isEmpty || stat.contains(") Z ")
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
