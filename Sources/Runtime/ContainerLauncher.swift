import Foundation
import Policy

/// Starts one foreground container from a hardened spec and removes every trace of it afterwards.
///
/// State: `<root>/containers/<id>/image` (the manifest digest, so the image store knows it is in
/// use) and `<root>/containers/<id>/bundle/config.json`; the runtime keeps its own under `<root>/runtime/<kind>`.
public struct ContainerLauncher: Sendable {
    /// securerun's state root.
    public let stateRoot: URL
    /// The OCI runtime to drive.
    public let runtime: OCIRuntime

    public init(stateRoot: URL, runtime: OCIRuntime) {
        self.stateRoot = stateRoot
        self.runtime = runtime
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

    /// Checks a `--name`.
    public static func validate(name: String) throws(RuntimeError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        guard let first = name.first, first.isLetter || first.isNumber, name.count <= 128, name.allSatisfy(allowed.contains) else {
            throw .invalidName(name)
        }
    }

    /// Runs the container in the foreground and returns its exit status. Nothing is created before every
    /// check has passed, and the bundle, runtime state and cgroup are removed on every exit path.
    public func run(_ hardened: HardenedSpec, imageDigest: String, rootfs: URL, name: String?) throws(RuntimeError) -> Int32 {
        let id = name ?? Self.newID()
        try Self.validate(name: id)
        guard let command = hardened.args.first, CommandLookup.exists(command, in: rootfs, env: hardened.env) else {
            throw .commandNotFound(hardened.args.first ?? "")
        }
        for volume in hardened.volumes where !FileManager.default.fileExists(atPath: volume.source) {
            throw .volumeSourceMissing(volume.source)
        }
        let containers = stateRoot.appendingPathComponent("containers", isDirectory: true)
        let directory = containers.appendingPathComponent(id, isDirectory: true)
        try makeDirectory(containers, intermediate: true)
        // mkdir without intermediates fails if the name is taken: the exclusive claim on this id.
        if mkdir(directory.path, 0o700) != 0 {
            if errno == EEXIST { throw .nameInUse(id) }
            throw .stateFailure(path: directory.path, reason: String(cString: strerror(errno)))
        }
        let cgroupsPath = SpecBuilder.cgroupsPath(id)
        defer { cleanUp(id: id, directory: directory, cgroupsPath: cgroupsPath) }

        try write(Data(AbandonedContainers.ownerRecord().utf8), to: directory.appendingPathComponent("owner"))
        try write(Data(imageDigest.utf8), to: directory.appendingPathComponent("image"))
        let bundle = directory.appendingPathComponent("bundle", isDirectory: true)
        try makeDirectory(bundle, intermediate: false)
        let spec = SpecBuilder.spec(for: hardened, rootfs: rootfs, containerID: id)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json: Data
        do {
            json = try encoder.encode(spec)
        } catch {
            throw .stateFailure(path: bundle.path, reason: "cannot encode config.json: \(error)")
        }
        try write(json, to: bundle.appendingPathComponent("config.json"))
        try makeDirectory(runtime.stateDirectory, intermediate: true)
        return try runtime.run(bundle: bundle, id: id)
    }

    func cleanUp(id: String, directory: URL, cgroupsPath: String) {
        if runtime.hasState(id: id) { runtime.forceDelete(id: id) }
        CgroupLayout.current().removeLeftovers(cgroupsPath: cgroupsPath)
        try? FileManager.default.removeItem(at: directory)
    }

    func makeDirectory(_ url: URL, intermediate: Bool) throws(RuntimeError) {
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
