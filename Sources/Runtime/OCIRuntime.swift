import Foundation
import HostSystem
import StrictJSON

/// An OCI runtime command-line client (runc or crun): global flags, one method per verb, and the
/// runtime's own error text turned into `RuntimeError.runtimeFailed`.
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

    func baseArgs(log: URL? = nil) -> [String] {
        var args = ["--root", stateDirectory.path]
        if let log { args += ["--log", log.path, "--log-format", "json"] }
        return args
    }

    /// Options of `run --detach`.
    public struct RunOptions: Sendable {
        /// The bundle directory (config.json, rootfs path inside it).
        public var bundle: URL
        /// Where the runtime writes the container init's host pid.
        public var pidFile: URL
        /// The runtime's log (JSON lines); its last error is what a failure reports.
        public var log: URL
        /// Descriptors the container gets as stdin, stdout and stderr.
        public var stdio: [Int32]
        /// With a terminal: the socket the runtime sends the pty master to.
        public var consoleSocket: URL?

        /// Options.
        public init(bundle: URL, pidFile: URL, log: URL, stdio: [Int32], consoleSocket: URL? = nil) {
            self.bundle = bundle
            self.pidFile = pidFile
            self.log = log
            self.stdio = stdio
            self.consoleSocket = consoleSocket
        }
    }

    /// `run --detach`: creates and starts the container, which inherits `stdio`, then returns its init's
    /// host pid. The runtime exits at once; a subreaper caller becomes the container init's parent and
    /// waits for it. A failure is the runtime's own error message.
    public func runDetached(id: String, _ options: RunOptions) throws(RuntimeError) -> pid_t {
        var args = ["run", "--detach", "--pid-file", options.pidFile.path]
        if let socket = options.consoleSocket { args += ["--console-socket", socket.path] }
        return try detached("run", args + ["--bundle", options.bundle.path, id], log: options.log, pidFile: options.pidFile, stdio: options.stdio)
    }

    /// `create`: creates the container (its init waits before the user's process), which inherits
    /// `stdio`, and returns the init's host pid; `start` lets it run. Between the two, securerun checks
    /// what the kernel made (``UserNamespaceCheck``).
    public func create(id: String, _ options: RunOptions) throws(RuntimeError) -> pid_t {
        var args = ["create", "--pid-file", options.pidFile.path]
        if let socket = options.consoleSocket { args += ["--console-socket", socket.path] }
        return try detached("create", args + ["--bundle", options.bundle.path, id], log: options.log, pidFile: options.pidFile, stdio: options.stdio)
    }

    /// `start ID`: runs the user's process in a created container.
    public func start(id: String) throws(RuntimeError) {
        try invoke("start", [id])
    }

    /// `exec --detach --process FILE ID`: starts a process in a running container and returns its host
    /// pid (a subreaper caller becomes its parent).
    public func execDetached(id: String, process: URL, pidFile: URL, log: URL, stdio: [Int32], consoleSocket: URL?) throws(RuntimeError) -> pid_t {
        var args = ["exec", "--detach", "--pid-file", pidFile.path, "--process", process.path]
        if let consoleSocket { args += ["--console-socket", consoleSocket.path] }
        return try detached("exec", args + [id], log: log, pidFile: pidFile, stdio: stdio)
    }

    /// Runs a detached verb to completion and returns the pid it wrote.
    func detached(_ verb: String, _ arguments: [String], log: URL, pidFile: URL, stdio: [Int32]) throws(RuntimeError) -> pid_t {
        let logStart = Self.size(of: log)
        let pid: pid_t
        do {
            pid = try ChildProcess.spawn(binary, baseArgs(log: log) + arguments, stdio: stdio.map { Optional($0) })
        } catch {
            throw .launchFailed(runtime: binary, reason: error.reason)
        }
        let status = ChildProcess.wait(pid)
        guard status == .exited(0) else {
            throw .runtimeFailed(runtime: kind.rawValue, verb: verb, message: Self.lastError(in: log, from: logStart) ?? "exited with status \(status.code)")
        }
        guard let text = try? FileContents.text(pidFile.path), let started = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), started > 0
        else {
            throw .runtimeFailed(runtime: kind.rawValue, verb: verb, message: "it wrote no pid to \(pidFile.path)")
        }
        return started
    }

    /// `delete --force ID`: kills what is left and removes the runtime's state (and the cgroup it made).
    public func forceDelete(id: String) {
        _ = try? ChildProcess.capture(binary, baseArgs() + ["delete", "--force", id])
    }

    /// `kill ID SIGNAL`.
    public func kill(id: String, signal: Int32) throws(RuntimeError) {
        try invoke("kill", [id, String(signal)])
    }

    /// The runtime's view of a container (`state ID`), or nil when it has none.
    public func state(id: String) throws(RuntimeError) -> ContainerState? {
        guard hasState(id: id) else { return nil }
        let output: [UInt8]
        do {
            output = try invoke("state", [id])
        } catch {
            // The runtime's own answer that it has no such container (a state directory left by a runtime
            // killed before it saved any state): nothing of it runs, as far as the runtime can tell.
            if case .runtimeFailed(_, _, let message) = error, message.contains("does not exist") { return nil }
            throw error
        }
        do {
            return try StrictJSONDecoder(limits: JSONLimits(maxBytes: 1 << 20, maxDepth: 16)).decode(ContainerState.self, from: output)
        } catch {
            throw .runtimeFailed(runtime: kind.rawValue, verb: "state", message: "unreadable state: \(error)")
        }
    }

    /// The runtime's version line (`runc version 1.1.5`).
    public func version() -> String? {
        guard let result = try? ChildProcess.capture(binary, ["--version"]), result.status == .exited(0) else { return nil }
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").first.map(String.init)
    }

    /// Whether the runtime still has state for `id`.
    public func hasState(id: String) -> Bool {
        FileManager.default.fileExists(atPath: stateDirectory.appendingPathComponent(id).path)
    }

    /// Runs a short verb; its stdout on success, its error as `runtimeFailed` otherwise.
    @discardableResult
    func invoke(_ verb: String, _ arguments: [String]) throws(RuntimeError) -> [UInt8] {
        let result: (status: ExitStatus, stdout: [UInt8], stderr: [UInt8])
        do {
            result = try ChildProcess.capture(binary, baseArgs() + [verb] + arguments)
        } catch {
            throw .launchFailed(runtime: binary, reason: error.reason)
        }
        guard result.status == .exited(0) else {
            let text = String(decoding: result.stderr, as: UTF8.self)
            throw .runtimeFailed(runtime: kind.rawValue, verb: verb, message: Self.plainMessage(text) ?? "exited with status \(result.status.code)")
        }
        return result.stdout
    }

    static func find(_ name: String, path: String) -> String? {
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func size(of file: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: file.path)[.size]) as? NSNumber)?.intValue ?? 0
    }

    /// One runtime log line (logrus JSON).
    struct LogLine: Decodable {
        var level: String?
        var msg: String?
    }

    /// The last error the runtime logged in `log` after byte `offset`.
    static func lastError(in log: URL, from offset: Int) -> String? {
        guard let bytes = try? FileContents.read(log.path, limit: 16 << 20), offset <= bytes.count else { return nil }
        let decoder = StrictJSONDecoder(limits: JSONLimits(maxBytes: 1 << 20, maxDepth: 8))
        var last: String?
        for line in bytes[offset...].split(separator: UInt8(ascii: "\n")) {
            guard let entry = try? decoder.decode(LogLine.self, from: line), entry.level == "error" || entry.level == "fatal", let message = entry.msg
            else { continue }
            last = message
        }
        return last.flatMap(plainMessage)
    }

    /// The runtime's message on one line, without logrus' `time=… level=error msg=` dressing.
    public static func plainMessage(_ text: String) -> String? {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard var line = lines.last else { return nil }
        for prefix in ["runc run failed: ", "runc create failed: ", "runc exec failed: ", "crun: "] where line.hasPrefix(prefix) {
            line = String(line.dropFirst(prefix.count))
        }
        if let range = line.range(of: "msg=\"") {
            line = String(line[range.upperBound...])
            if line.hasSuffix("\"") { line.removeLast() }
            line = line.replacingOccurrences(of: "\\\"", with: "\"")
        }
        return line
    }
}

/// What `runc state` reports.
public struct ContainerState: Decodable, Sendable, Equatable {
    /// The container id.
    public var id: String
    /// The init's host pid (0 once stopped).
    public var pid: Int32
    /// `creating`, `created`, `running`, `paused` or `stopped`.
    public var status: String
}
