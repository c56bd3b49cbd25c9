import Foundation
import Policy

/// Starts one foreground container from a hardened spec and removes every trace of it afterwards.
///
/// State: `<root>/containers/<id>/image` (the manifest digest, so the image store knows it is in
/// use), `<root>/containers/<id>/bundle/config.json`, and the container's mounts (its own root over the
/// shared image rootfs, its pinned volumes; see ``ContainerMounts``); the runtime keeps its own state
/// under `<root>/runtime/<kind>`.
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

    /// Checks a `--name`.
    public static func validate(name: String) throws(RuntimeError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        guard let first = name.first, first.isLetter || first.isNumber, name.count <= 128, name.allSatisfy(allowed.contains) else {
            throw .invalidName(name)
        }
    }

    /// Runs the container in the foreground and returns its exit status. Nothing is created before every
    /// check has passed (the command itself is checked by `ContainerStart`, for dry runs too), and the
    /// mounts, bundle, runtime state and cgroup are removed on every exit path.
    public func run(_ hardened: HardenedSpec, imageDigest: String, rootfs: URL, name: String?) throws(RuntimeError) -> Int32 {
        let id = name ?? Self.newID()
        try Self.validate(name: id)
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
        let mounts = ContainerMounts(directory: directory)
        // Volumes first: the policy checked their paths moments ago, and pinning ends the window.
        let volumeSources = try mounts.stageVolumes(hardened.volumes)
        let ownRoot = try mounts.mountRoot(over: rootfs)
        let bundle = directory.appendingPathComponent("bundle", isDirectory: true)
        try makeDirectory(bundle, intermediate: false)
        let spec = SpecBuilder.spec(for: hardened, rootfs: ownRoot, containerID: id, volumeSources: volumeSources)
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
        // Unmount before removing: a recursive removal through a volume's bind mount deletes host files.
        // A directory kept here is removed by a later run's sweep once its mounts are gone.
        do {
            try ContainerMounts.releaseAndRemove(directory)
        } catch {
            warn(error.description)
        }
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
