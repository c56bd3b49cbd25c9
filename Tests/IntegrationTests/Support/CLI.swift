import Foundation
import HostSystem
import Testing

/// What one `securerun` invocation printed and returned.
struct CLIResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// Runs the built `securerun` binary as a user would, against a private state root.
struct CLI: Sendable {
    /// The state root (`SECURERUN_ROOT`) this CLI uses.
    let root: URL

    /// The binary: `$SECURERUN_BIN`, else `.build/debug/securerun` beside this package.
    static var binary: String {
        if let bin = ProcessInfo.processInfo.environment["SECURERUN_BIN"], !bin.isEmpty { return bin }
        return packageRoot.appendingPathComponent(".build/debug/securerun").path
    }

    /// The package's root directory (from this file's path).
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> CLIResult {
        try CLI.exec(CLI.binary, arguments, stdin: stdin, environment: ["SECURERUN_ROOT": root.path].merging(environment) { $1 }, timeout: timeout)
    }

    /// Runs any program, capturing its output; kills it after `timeout` seconds.
    /// Spawned through securerun's own ChildProcess (descriptors closed in the child, reads retried on
    /// EINTR): Foundation's Process and FileHandle crashed under 50 concurrent runs (a `try!` on EINTR).
    static func exec(_ program: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: TimeInterval = 60) throws
        -> CLIResult
    {
        let path = program.hasPrefix("/") ? program : "/usr/bin/env"
        let argv = program.hasPrefix("/") ? arguments : [program] + arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        let input = try PipePair(), output = try PipePair(), errors = try PipePair()
        let pid: pid_t
        do {
            pid = try ChildProcess.spawn(
                path, argv, stdio: [input.read, output.write, errors.write], environment: env.map { "\($0.key)=\($0.value)" }, deathSignal: 0)
        } catch {
            [input, output, errors].forEach { $0.closeBoth() }
            throw error
        }
        close(input.read)
        output.closeWrite()
        errors.closeWrite()
        let writer = Relay.feed(Array((stdin ?? "").utf8), to: input.write)
        let out = Relay.collect(from: output.read, limit: 1 << 30)
        let err = Relay.collect(from: errors.read, limit: 1 << 30)
        let finished = Finished()
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if !finished.value { kill(pid, SIGKILL) } }
        let status = ChildProcess.wait(pid)
        finished.set()
        writer.wait()
        let (outData, errData) = (out.wait(), err.wait())
        close(output.read)
        close(errors.read)
        let code: Int32
        switch status {
        case .exited(let value): code = value
        case .signaled(let signal): code = signal
        }
        return CLIResult(status: code, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Whether a child has been waited for, so a late timeout never signals a reused pid.
private final class Finished: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    var value: Bool { lock.withLock { done } }
    func set() { lock.withLock { done = true } }
}

extension Relay {
    /// Writes `bytes` to `descriptor` on a thread of its own, then closes it (EPIPE, a child that stopped
    /// reading, just ends it).
    static func feed(_ bytes: [UInt8], to descriptor: Int32) -> Feeder {
        let feeder = Feeder()
        // A child that exits without reading must not take the test process down with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        Thread {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
            }
            close(descriptor)
            feeder.finish()
        }.start()
        return feeder
    }
}

/// The end of a `Relay.feed`.
final class Feeder: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    func finish() { done.signal() }
    func wait() { done.wait() }
}
