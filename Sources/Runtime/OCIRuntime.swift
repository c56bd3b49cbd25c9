import Dispatch
import Foundation

/// An OCI runtime command-line client (runc or crun): global flags plus one method per verb.
public struct OCIRuntime: Sendable {
    /// The runtimes securerun can drive.
    public enum Kind: String, Sendable, CaseIterable {
        case runc, crun
    }

    /// Which runtime.
    public let kind: Kind
    /// Absolute path of its binary.
    public let binary: String
    /// Its state directory (`--root`), private to securerun.
    public let stateDirectory: URL

    /// Finds the runtime's binary in PATH and checks the host can run it.
    public init(kind: Kind, stateDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws(RuntimeError) {
        guard let binary = Self.find(kind.rawValue, path: environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin") else {
            throw .runtimeNotFound(name: kind.rawValue)
        }
        if kind == .crun, let reason = CgroupLayout.current().crunIncompatibility {
            throw .runtimeUnsupported(name: kind.rawValue, reason: reason)
        }
        self.kind = kind
        self.binary = binary
        self.stateDirectory = stateDirectory
    }

    func baseArgs() -> [String] { ["--root", stateDirectory.path] }

    /// `run --bundle B ID` in the foreground: stdio passes through, and SIGINT, SIGTERM, SIGHUP, SIGQUIT,
    /// SIGUSR1 and SIGUSR2 sent to securerun are forwarded (the runtime passes them on to the container).
    /// Returns the container's exit status (128+N when killed by signal N).
    public func run(bundle: URL, id: String) throws(RuntimeError) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = baseArgs() + ["run", "--bundle", bundle.path, id]
        let forwarder = SignalForwarder()
        defer { forwarder.stop() }
        do {
            try process.run()
        } catch {
            throw .launchFailed(runtime: binary, reason: "\(error)")
        }
        forwarder.start(forwardingTo: process.processIdentifier)
        process.waitUntilExit()
        switch process.terminationReason {
        case .exit: return process.terminationStatus
        case .uncaughtSignal: return 128 + process.terminationStatus
        @unknown default: return process.terminationStatus
        }
    }

    /// `delete --force ID`, quietly: used on every exit path to make sure nothing is left behind.
    public func forceDelete(id: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = baseArgs() + ["delete", "--force", id]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            // Nothing to delete if the runtime cannot even start; cgroup cleanup below still runs.
        }
    }

    /// Whether the runtime still has state for `id`.
    public func hasState(id: String) -> Bool {
        FileManager.default.fileExists(atPath: stateDirectory.appendingPathComponent(id).path)
    }

    static func find(_ name: String, path: String) -> String? {
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Forwards termination signals from securerun to a child process for as long as it is started.
final class SignalForwarder: @unchecked Sendable {
    static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "securerun.signals")

    func start(forwardingTo pid: Int32) {
        for signalNumber in Self.forwarded {
            // The default action would kill securerun before it cleans up; the dispatch source sees it instead.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { kill(pid, signalNumber) }
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        for source in sources { source.cancel() }
        sources.removeAll()
        for signalNumber in Self.forwarded { signal(signalNumber, SIG_DFL) }
    }
}
