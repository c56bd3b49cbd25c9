import Foundation

/// The layout of securerun's state root (`/var/lib/securerun` or `$SECURERUN_ROOT`, root-only): the one
/// place that names its directories, so the store, the gate, the backends, the engine plugin and the
/// sweep can never disagree on where a thing lives.
public struct StateRoot: Sendable, Equatable {
    /// The root itself.
    public let url: URL

    public init(_ url: URL) { self.url = url }

    /// Content-addressed blobs (`blobs/sha256/<hex>`).
    public var blobs: URL { url.appendingPathComponent("blobs/sha256", isDirectory: true) }
    /// Images: names (tags), records by manifest digest, and where an import unpacks before the rename
    /// that makes it visible.
    public var images: URL { url.appendingPathComponent("images", isDirectory: true) }
    public var imageTags: URL { images.appendingPathComponent("tags", isDirectory: true) }
    public var imageRecords: URL { images.appendingPathComponent("by-digest", isDirectory: true) }
    public var imagesUnpacking: URL { images.appendingPathComponent("unpacked", isDirectory: true) }
    /// Each image's shared, read-only root filesystem.
    public var rootfs: URL { url.appendingPathComponent("rootfs", isDirectory: true) }
    /// Attestations by image digest.
    public var attestations: URL { url.appendingPathComponent("attestations", isDirectory: true) }
    /// Keys trusted with `securerun key trust`.
    public var trustedKeys: URL { url.appendingPathComponent("trusted-keys", isDirectory: true) }
    /// Caches securerun can always rebuild (`cache/<name>`).
    public func cache(_ name: String) -> URL { url.appendingPathComponent("cache", isDirectory: true).appendingPathComponent(name, isDirectory: true) }
    /// Containers (`containers/<id>`) and the names reserved for them.
    public var containers: URL { url.appendingPathComponent("containers", isDirectory: true) }
    public func container(_ id: String) -> URL { containers.appendingPathComponent(id, isDirectory: true) }
    public var names: URL { url.appendingPathComponent("names", isDirectory: true) }
    /// Private networks' records (address blocks in use).
    public var network: URL { url.appendingPathComponent("network", isDirectory: true) }
    /// securerun networks (`network create`): one record each, `networks/<name>.json`.
    public var networks: URL { url.appendingPathComponent("networks", isDirectory: true) }
    /// Scratch space on the store's filesystem (renamed into place when complete).
    public var tmp: URL { url.appendingPathComponent("tmp", isDirectory: true) }
    /// An OCI runtime's own state directory (`runtime/runc`, `runtime/crun`).
    public func runtimeState(_ runtime: String) -> URL { url.appendingPathComponent("runtime/\(runtime)", isDirectory: true) }

    /// Everything that may be at the top of a state root (an older securerun's store has only these), and
    /// the metadata areas among them, which are tightened all the way down.
    public static let entries: Set<String> = [
        ".securerun-state", ".lock", "blobs", "images", "rootfs", "attestations", "trusted-keys", "containers", "runtime", "cache", "tmp",
        "names", "network", "networks",
    ]
    public static let metadataAreas: Set<String> = ["blobs", "images", "attestations", "trusted-keys", "cache", "tmp"]
}
