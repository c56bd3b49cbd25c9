import ContentDigest
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

    enum CodingKeys: String, CodingKey {
        case names, manifestDigest, configDigest, config, rootfs, size, source, registry, imported
    }

    public init(
        names: [String], manifestDigest: String, configDigest: String, config: ImageConfig, rootfs: URL,
        size: Int64, source: String?, registry: String?, imported: String?
    ) {
        self.names = names
        self.manifestDigest = manifestDigest
        self.configDigest = configDigest
        self.config = config
        self.rootfs = rootfs
        self.size = size
        self.source = source
        self.registry = registry
        self.imported = imported
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        names = try container.decode([String].self, forKey: .names)
        manifestDigest = try container.decode(String.self, forKey: .manifestDigest)
        configDigest = try container.decode(String.self, forKey: .configDigest)
        config = try container.decode(ImageConfig.self, forKey: .config)
        rootfs = URL(fileURLWithPath: try container.decode(String.self, forKey: .rootfs), isDirectory: true)
        size = try container.decode(Int64.self, forKey: .size)
        source = try container.decodeIfPresent(String.self, forKey: .source)
        registry = try container.decodeIfPresent(String.self, forKey: .registry)
        imported = try container.decodeIfPresent(String.self, forKey: .imported)
    }

    /// Encodes `rootfs` as a plain path (what a person or a script wants), not a file:// URL.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(names, forKey: .names)
        try container.encode(manifestDigest, forKey: .manifestDigest)
        try container.encode(configDigest, forKey: .configDigest)
        try container.encode(config, forKey: .config)
        try container.encode(rootfs.path, forKey: .rootfs)
        try container.encode(size, forKey: .size)
        try container.encodeIfPresent(source, forKey: .source)
        try container.encodeIfPresent(registry, forKey: .registry)
        try container.encodeIfPresent(imported, forKey: .imported)
    }
}

/// What the store keeps about an image besides its blobs: `<root>/images/by-digest/<hex>.json`.
struct ImageRecord: Codable, Equatable {
    var manifestDigest: Digest
    var source: String?
    var registry: String?
    var imported: String
    /// Digest of `<root>/images/unpacked/<hex>.record`, the unpack record of the rootfs; nil for images
    /// unpacked by securerun before records existed.
    var unpackRecord: Digest?
}
