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

    /// `run --bundle B ID` in the foreground: stdio passes through (runc copies it through pipes of its
    /// own, so the container never holds the caller's terminal; RunHardeningTests checks that), and SIGINT, SIGTERM, SIGHUP, SIGQUIT,
    /// SIGUSR1 and SIGUSR2 sent to securerun are forwarded (the runtime passes them on to the container).
    /// Returns the container's exit status (128+N when killed by signal N).
    public func run(bundle: URL, id: String) throws(RuntimeError) -> Int32 {
        // Forwarding is in place before the spawn, so no signal can kill securerun before it cleans up.
        let forwarder = SignalForwarder()
        defer { forwarder.stop() }
        let pid = try ChildProcess.spawn(binary, baseArgs() + ["run", "--bundle", bundle.path, id], defaultSignals: SignalForwarder.forwarded)
        forwarder.forward(to: pid)
        return ChildProcess.wait(pid)
    }

    /// `delete --force ID`, quietly: used on every exit path to make sure nothing is left behind.
    public func forceDelete(id: String) {
        // If the runtime cannot even start there is nothing of it to delete; cgroup cleanup still runs.
        guard let pid = try? ChildProcess.spawn(binary, baseArgs() + ["delete", "--force", id], defaultSignals: [], quiet: true) else { return }
        _ = ChildProcess.wait(pid)
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

/// Forwards termination signals from securerun to the runtime process while a container runs.
final class SignalForwarder: @unchecked Sendable {
    static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "securerun.signals")
    private var target: pid_t = 0
    private var pending: [Int32] = []

    init() {
        for signalNumber in Self.forwarded {
            // The default action would kill securerun before it cleans up; the dispatch source sees it instead.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [unowned self] in
                if target > 0 { kill(target, signalNumber) } else { pending.append(signalNumber) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Sends every later signal (and any that arrived before the child existed) to `pid`.
    func forward(to pid: pid_t) {
        queue.sync {
            target = pid
            for signalNumber in pending { kill(pid, signalNumber) }
            pending.removeAll()
        }
    }

    func stop() {
        queue.sync {
            for source in sources { source.cancel() }
            sources.removeAll()
        }
        for signalNumber in Self.forwarded { signal(signalNumber, SIG_DFL) }
    }
}
