import Foundation
import TestSupport

/// A server process listening on 127.0.0.1 at a random port, for one test; stopped at deinit.
final class LoopbackServer {
    let port: Int
    private let process: Process

    /// Starts `arguments(port)` (run through /usr/bin/env) on random ports in `ports` until one listens;
    /// the server is expected to exit at once when it cannot listen. With `log`, its stdout goes there.
    init(_ what: String, ports: Range<Int>, log: URL? = nil, arguments: (Int) throws -> [String]) throws {
        var chosen: (port: Int, process: Process)?
        for _ in 0..<5 where chosen == nil {
            let candidate = Int.random(in: ports)
            let attempt = Process()
            attempt.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            attempt.arguments = try arguments(candidate)
            if let log {
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                attempt.standardOutput = try FileHandle(forWritingTo: log)
            } else {
                attempt.standardOutput = FileHandle.nullDevice
            }
            attempt.standardError = FileHandle.nullDevice
            try attempt.run()
            if Self.waitForListening(port: candidate, process: attempt) {
                chosen = (candidate, attempt)
            } else {
                attempt.terminate()
            }
        }
        guard let chosen else { throw TestFailure("\(what) did not start on 127.0.0.1") }
        port = chosen.port
        process = chosen.process
    }

    deinit { stop() }

    /// Terminates the server and waits for it.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Waits (up to `Wait.standard`) until the server accepts on `port`; false at once when it exits.
    static func waitForListening(port: Int, process: Process) -> Bool {
        var exited = false
        let listening = Wait.until(interval: 0.1) {
            exited = !process.isRunning
            if exited { return true }
            return (try? CLI.exec("/usr/bin/env", ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]))?.status == 0
        }
        return listening && !exited
    }
}
