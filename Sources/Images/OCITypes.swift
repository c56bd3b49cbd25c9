import ContentDigest
import Foundation
import StrictJSON

/// OCI and docker media types the store reads and writes.
public enum MediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    public static let dockerLayer = "application/vnd.docker.image.rootfs.diff.tar"

    package static let manifests: Set<String> = [ociManifest, dockerManifest]
    package static let indexes: Set<String> = [ociIndex, dockerManifestList]
    static let layers: Set<String> = [
        ociLayerGzip, ociLayerZstd, ociLayer, dockerLayerGzip, dockerLayer,
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    ]
}

/// An OCI content descriptor: what a blob is, its digest and size.
public struct Descriptor: Sendable, Codable, Equatable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var platform: Platform?
    public var annotations: [String: String]?

    /// A descriptor without platform or annotations.
    public init(mediaType: String, digest: Digest, size: Int64, platform: Platform? = nil, annotations: [String: String]? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.platform = platform
        self.annotations = annotations
    }
}

/// The platform an index entry is for.
public struct Platform: Sendable, Codable, Equatable, CustomStringConvertible {
    public var architecture: String
    public var os: String
    public var variant: String?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
    }

    /// A platform such as linux/amd64.
    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// Parses `os/arch[/variant]` as `--platform` takes it.
    public init(parsing text: String) throws(ImageError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw .invalidReference(reference: text, reason: "platform must be os/arch or os/arch/variant, e.g. linux/amd64")
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// `os/arch[/variant]`.
    public var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }

    /// The default: linux/amd64.
    public static let linuxAMD64 = Platform(os: "linux", architecture: "amd64")
}

/// An OCI image manifest (also reads docker schema2 manifests, which have the same shape).
public struct Manifest: Sendable, Codable, Equatable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var annotations: [String: String]?
}

/// An OCI image index or docker manifest list.
public struct ImageIndex: Sendable, Codable, Equatable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var manifests: [Descriptor]
    public var annotations: [String: String]?
}

/// The runtime defaults of an image: the OCI image config's `config` object, with the
/// top-level architecture, os and creation time beside them.
public struct ImageConfig: Sendable, Codable, Equatable {
    public var User: String?
    public var Env: [String]?
    public var Entrypoint: [String]?
    public var Cmd: [String]?
    public var WorkingDir: String?
    public var ExposedPorts: [String: EmptyObject]?
    public var Volumes: [String: EmptyObject]?
    public var Labels: [String: String]?
    public var StopSignal: String?
    /// Docker's HEALTHCHECK (`Test` as `["CMD", …]`, `["CMD-SHELL", cmd]` or `["NONE"]`; durations in nanoseconds).
    public var Healthcheck: HealthcheckConfig?
    /// The image's CPU architecture (top-level `architecture` in the OCI config).
    public var architecture: String?
    /// The image's operating system (top-level `os`).
    public var os: String?
    /// When the image was built (top-level `created`), if the image says.
    public var created: String?

    /// An empty config.
    public init(User: String? = nil, Env: [String]? = nil, Entrypoint: [String]? = nil, Cmd: [String]? = nil, WorkingDir: String? = nil) {
        self.User = User
        self.Env = Env
        self.Entrypoint = Entrypoint
        self.Cmd = Cmd
        self.WorkingDir = WorkingDir
    }
}

/// An image's HEALTHCHECK as docker writes it into the image config (and the engine API's create body).
public struct HealthcheckConfig: Sendable, Codable, Equatable {
    public var Test: [String]?
    public var Interval: Int64?
    public var Timeout: Int64?
    public var StartPeriod: Int64?
    public var StartInterval: Int64?
    public var Retries: Int?

    public init(Test: [String]? = nil, Interval: Int64? = nil, Timeout: Int64? = nil, StartPeriod: Int64? = nil, Retries: Int? = nil) {
        self.Test = Test
        self.Interval = Interval
        self.Timeout = Timeout
        self.StartPeriod = StartPeriod
        self.Retries = Retries
    }
}

/// `{}` in JSON (the value type of ExposedPorts and Volumes).
public struct EmptyObject: Sendable, Codable, Equatable {
    public init() {}
}

/// The OCI image configuration blob (the parts securerun reads; stored blobs are never re-encoded).
public struct OCIImageConfig: Sendable, Codable, Equatable {
    /// The `config` object. It is an `ImageConfig` whose top-level fields (architecture, os, created)
    /// stay nil, so they are never written into it (Codable leaves nil optionals out).
    public typealias RuntimeConfig = ImageConfig

    /// `rootfs`: the uncompressed digests of the layers, in order.
    public struct RootFS: Sendable, Codable, Equatable {
        public var type: String
        public var diff_ids: [Digest]
    }

    public var created: String?
    public var architecture: String
    public var os: String
    public var config: RuntimeConfig?
    public var rootfs: RootFS

    /// The runtime defaults with the top-level architecture, os and creation time beside them.
    public var imageConfig: ImageConfig {
        var result = config ?? ImageConfig()
        result.architecture = architecture
        result.os = os
        result.created = created
        return result
    }
}

/// Deterministic JSON: sorted keys and no escaped slashes, so the same value always has the same digest.
package enum CanonicalJSON {
    package static func encode<T: Encodable>(_ value: T) throws(ImageError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(value) } catch {
            throw .invalidImage(source: String(describing: T.self), reason: "cannot encode: \(error)")
        }
    }

    /// Decodes through the strict parser: duplicate keys, invalid UTF-8, trailing bytes and documents over
    /// the type's ``BoundedJSONDocument/jsonLimits`` (``JSONLimits/manifest`` for other types) are refused,
    /// so what securerun reads is what every other reader of the same bytes reads.
    package static func decode<T: Decodable>(_ type: T.Type, from data: Data, source: String) throws(ImageError) -> T {
        let limits = (T.self as? any BoundedJSONDocument.Type)?.jsonLimits ?? .manifest
        do { return try StrictJSONDecoder(limits: limits).decode(type, from: data) } catch {
            throw .invalidImage(source: source, reason: "cannot parse \(String(describing: T.self)): \(error)")
        }
    }
}
