import Foundation
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
    static func exec(_ program: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: TimeInterval = 60) throws
        -> CLIResult
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : "/usr/bin/env")
        process.arguments = program.hasPrefix("/") ? arguments : [program] + arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        try process.run()
        if let stdin {
            inPipe.fileHandleForWriting.write(Data(stdin.utf8))
            try inPipe.fileHandleForWriting.close()
        }
        let deadline = DispatchTime.now() + timeout
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: deadline, execute: killer)
        // Read both pipes at once so a full stdout pipe cannot block the child while we wait on stderr.
        let collected = Collected()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { collected.set(out: outPipe.fileHandleForReading.readDataToEndOfFile()) }
        DispatchQueue.global().async(group: group) { collected.set(err: errPipe.fileHandleForReading.readDataToEndOfFile()) }
        group.wait()
        process.waitUntilExit()
        killer.cancel()
        let (outData, errData) = collected.value
        return CLIResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Output gathered from two reader threads.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data(), err = Data()
    func set(out data: Data) { lock.withLock { out = data } }
    func set(err data: Data) { lock.withLock { err = data } }
    var value: (Data, Data) { lock.withLock { (out, err) } }
}
