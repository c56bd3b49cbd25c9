import Foundation
import HostSystem
import Policy

/// Starts one foreground container from a hardened spec and removes every trace of it afterwards.
///
/// State: `<root>/containers/<id>/` (see ``ContainerClaim``: `lock`, `owner`, `image`), the steps' mounts
/// (its own root over the shared image rootfs, its pinned volumes), `bundle/config.json` and the runtime's
/// log; the runtime keeps its own state under `<root>/runtime/<kind>`.
public struct ContainerLauncher: Sendable {
    /// securerun's state root.
    public let stateRoot: URL
    /// The OCI runtime to drive.
    public let runtime: OCIRuntime
    /// Where a cleanup problem is reported (a mount that would not go away); the exit status stays the container's.
    public let warn: @Sendable (String) -> Void

    public init(
        stateRoot: URL, runtime: OCIRuntime,
        warn: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("securerun: \($0)\n".utf8)) }
    ) {
        self.stateRoot = stateRoot
        self.runtime = runtime
        self.warn = warn
    }

    /// The runtime state directory securerun gives each runtime kind.
    public static func runtimeStateDirectory(stateRoot: URL, kind: OCIRuntime.Kind) -> URL {
        stateRoot.appendingPathComponent("runtime/\(kind.rawValue)", isDirectory: true)
    }

    /// A fresh random container id (32 hex digits).
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Runs the container in the foreground and returns its exit status. Nothing is created before every
    /// check has passed (the request by `Policy.enforce`, the command by `ContainerStart`), and the
    /// runtime's container, the steps' mounts and cgroup, and the state directory are removed on every
    /// exit path. `interactive` passes the caller's stdin (docker's `-i`); otherwise stdin is /dev/null.
    public func run(_ hardened: HardenedSpec, imageDigest: String, rootfs: URL, name: String?, interactive: Bool) throws(RuntimeError) -> Int32 {
        let id = name ?? Self.newID()
        // The container init is re-parented to securerun once the runtime exits, so securerun can wait for it.
        do {
            try Subreaper.enable()
        } catch {
            throw .launchFailed(runtime: runtime.binary, reason: error.description)
        }
        let claim = try ContainerClaim.claim(id: id, stateRoot: stateRoot, imageDigest: imageDigest)
        let place = claim.place
        let steps = LaunchSteps(steps: [VolumesStep(volumes: hardened.volumes), OwnRootStep(sharedRootfs: rootfs), CgroupStep()])
        defer { withExtendedLifetime(claim) { cleanUp(place, steps: steps) } }

        let plan = try steps.setUp(place)
        let bundle = place.directory.appendingPathComponent("bundle", isDirectory: true)
        try makeDirectory(bundle)
        let spec = SpecBuilder.spec(for: hardened, rootfs: plan.rootfs ?? rootfs, place: place, volumeSources: plan.volumeSources)
        try write(try Self.encode(spec, at: bundle), to: bundle.appendingPathComponent("config.json"))
        try makeDirectory(runtime.stateDirectory, intermediate: true)

        let stdio = try ContainerStdio(interactive: interactive)
        let forwarder = SignalForwarder()
        defer { forwarder.stop() }
        let options = OCIRuntime.RunOptions(
            bundle: bundle, pidFile: place.directory.appendingPathComponent("init.pid"),
            log: place.directory.appendingPathComponent("runtime.log"), stdio: stdio.containerSide)
        let pid: pid_t
        do {
            pid = try runtime.runDetached(id: id, options)
        } catch {
            let text = stdio.runtimeReturned(started: false)
            if case .runtimeFailed(let name, let verb, let message) = error, message.hasPrefix("exited with status"),
                let line = OCIRuntime.plainMessage(text)
            {
                throw .runtimeFailed(runtime: name, verb: verb, message: line)
            }
            throw error
        }
        _ = stdio.runtimeReturned(started: true)
        forwarder.forward(to: pid)
        let status = ChildProcess.wait(pid)
        stdio.drain()
        return status.code
    }

    /// Removes the runtime's container, tears the steps down, and removes the directory if nothing in it is
    /// still mounted; problems are reported, never hidden (the directory is then kept for the sweep).
    func cleanUp(_ place: ContainerPlace, steps: LaunchSteps) {
        if runtime.hasState(id: place.id) { runtime.forceDelete(id: place.id) }
        var problems = steps.tearDown(place)
        do {
            try ContainerMounts.releaseAndRemove(place.directory)
        } catch {
            problems.append(error.description)
        }
        for problem in problems { warn(problem) }
    }

    static func encode(_ spec: RuntimeSpec, at bundle: URL) throws(RuntimeError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(spec)
        } catch {
            throw .stateFailure(path: bundle.path, reason: "cannot encode config.json: \(error)")
        }
    }

    func makeDirectory(_ url: URL, intermediate: Bool = false) throws(RuntimeError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: intermediate, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .stateFailure(path: url.path, reason: "\(error.localizedDescription)")
        }
    }

    func write(_ data: Data, to url: URL) throws(RuntimeError) {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .stateFailure(path: url.path, reason: "\(error.localizedDescription)")
        }
    }
}
