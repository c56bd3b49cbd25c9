import Foundation
import HostSystem
import Images
import Runtime

/// `image import docker-daemon:NAME`: an image that exists only in the local Docker Engine (built with
/// `docker build`) comes into securerun's store, where it is checked like any other import, then attested.
public enum DaemonImport {
    /// Saves the engine's image to a private temporary file, imports it (named NAME unless `tag`), removes the file.
    public static func run(name: String, store: ImageStore, tag: String?) throws -> StoredImage {
        let engine = try DockerEngine()
        let directory = StateRoot(store.root).tmp
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = directory.appendingPathComponent("daemon-\(ContainerPlace.randomToken().prefix(16)).tar")
        defer { unlink(file.path) }
        try engine.save(name, to: file, limit: store.limits.maxImageBytes)
        return try store.importImage(at: file, tag: tag ?? name)
    }
}
