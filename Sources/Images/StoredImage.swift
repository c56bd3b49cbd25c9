import Foundation

/// An image in the store: its names, digests, runtime defaults and shared read-only rootfs.
public struct StoredImage: Sendable, Codable, Equatable {
    /// Familiar docker names that point at this image, e.g. `busybox:latest` or `127.0.0.1:5000/app:1`.
    public var names: [String]
    /// `sha256:<hex>` of the manifest: the digest attestations name and the digest that runs.
    public var manifestDigest: String
    /// `sha256:<hex>` of the image config blob.
    public var configDigest: String
    /// The image's runtime defaults (User, Env, Entrypoint, Cmd, WorkingDir) with architecture, os and created.
    public var config: ImageConfig
    /// The shared unpacked rootfs directory, `<root>/rootfs/<hex of manifest digest>`.
    public var rootfs: URL
    /// Bytes of the stored layer blobs and config.
    public var size: Int64
    /// Where the image came from: a path or a registry reference.
    public var source: String?
    /// The registry host it was pulled from; nil for local imports.
    public var registry: String?
    /// When it was stored (ISO 8601).
    public var imported: String?

    /// The image's manifest digest, typed.
    public var digest: Digest? { try? Digest(parsing: manifestDigest) }
}

/// What the store keeps about an image besides its blobs: `<root>/images/by-digest/<hex>.json`.
struct ImageRecord: Codable, Equatable {
    var manifestDigest: Digest
    var source: String?
    var registry: String?
    var imported: String
}
