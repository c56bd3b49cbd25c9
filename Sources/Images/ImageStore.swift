import ContentDigest
import Foundation
import HostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The content-addressed store under a state root: `<root>/blobs/sha256/<hex>`, `<root>/images/`
/// (tag → manifest digest index, one record per image, and one unpack record per rootfs in
/// `images/unpacked/`), `<root>/rootfs/<hex of manifest digest>/` (unpacked once, shared read-only by every
/// container of that image) and `<root>/tmp/` (the work areas of imports in progress).
///
/// The state root and everything securerun keeps in it is root-only (see `secure()`); each image's own
/// files keep the image's modes and owners, protected by `rootfs/` and the state root being 0700.
public struct ImageStore: Sendable {
    /// The state root.
    public let root: URL
    /// Receives one line per step of an import or pull (the CLI shows them on a terminal).
    public var progress: (@Sendable (String) -> Void)?
    /// Bounds on what an import or pull may unpack (from the profile's `store:` section).
    public var limits: UnpackLimits

    /// A store at `root` (created on first write).
    public init(root: URL, progress: (@Sendable (String) -> Void)? = nil, limits: UnpackLimits = .default) {
        self.root = root
        self.progress = progress
        self.limits = limits
    }

    package var blobs: BlobStore { BlobStore(root: root) }
    var tagsDirectory: URL { StateRoot(root).imageTags }
    var recordsDirectory: URL { StateRoot(root).imageRecords }
    var rootfsDirectory: URL { StateRoot(root).rootfs }
    var containersDirectory: URL { StateRoot(root).containers }
    var unpackedDirectory: URL { StateRoot(root).imagesUnpacking }
    var tmpDirectory: URL { root.appendingPathComponent("tmp", isDirectory: true) }

    /// The unpack record of an image's rootfs (every path with type, mode, owner, size and content hash).
    func unpackRecordURL(_ digest: Digest) -> URL { unpackedDirectory.appendingPathComponent(digest.hex + ".record") }

    /// The shared rootfs directory of an image.
    public func rootfs(for digest: Digest) -> URL { rootfsDirectory.appendingPathComponent(digest.hex, isDirectory: true) }

    // MARK: - Reading

    /// Finds an image by `name[:tag]` (default tag `latest`), `name@sha256:…`, a full `sha256:<hex>` digest,
    /// or a short digest of at least 12 hex characters.
    /// `withNames: false` (the run path) leaves `names` empty: finding them reads every tag in the store.
    public func resolve(_ reference: String, withNames: Bool = true) throws(ImageError) -> StoredImage {
        try load(resolveDigest(reference), withNames: withNames)
    }

    func resolveDigest(_ reference: String) throws(ImageError) -> Digest {
        let text = reference.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("sha256:") {
            return try digest(prefix: String(text.dropFirst("sha256:".count)), reference: text)
        }
        if let parsed = try? ImageReference(parsing: text) {
            if let pinned = parsed.digest {
                let digest = try Digest.reference(pinned)
                guard FS.exists(recordURL(digest)) else { throw .notFound(reference: text, root: root.path) }
                return digest
            }
            if let digest = try tagTarget(parsed) { return digest }
        }
        if Digest.isHex(text), (12...64).contains(text.count) {
            return try digest(prefix: text, reference: text)
        }
        throw .notFound(reference: text, root: root.path)
    }

    private func digest(prefix: String, reference: String) throws(ImageError) -> Digest {
        guard Digest.isHex(prefix), (12...64).contains(prefix.count) else {
            throw .invalidReference(reference: reference, reason: "a digest needs at least 12 lower-case hex characters")
        }
        let matches = try recordDigests().filter { $0.hex.hasPrefix(prefix) }
        guard let first = matches.first else { throw .notFound(reference: reference, root: root.path) }
        guard matches.count == 1 else { throw .ambiguous(reference: reference, matches: matches.map(\.description)) }
        return first
    }

    /// Every stored image, sorted by name then digest.
    public func list() throws(ImageError) -> [StoredImage] {
        var images: [StoredImage] = []
        for digest in try recordDigests() {
            images.append(try load(digest))
        }
        return images.sorted { ($0.names.first ?? "~", $0.manifestDigest) < ($1.names.first ?? "~", $1.manifestDigest) }
    }

    /// The raw manifest bytes of a stored image.
    public func manifestData(_ image: StoredImage) throws(ImageError) -> Data {
        try blobs.read(try Digest.reference(image.manifestDigest))
    }

    /// The parsed manifest of a stored image.
    public func manifest(_ image: StoredImage) throws(ImageError) -> Manifest {
        try CanonicalJSON.decode(Manifest.self, from: try manifestData(image), source: image.manifestDigest)
    }

    /// The raw config blob of a stored image.
    public func configData(_ image: StoredImage) throws(ImageError) -> Data {
        try blobs.read(try Digest.reference(image.configDigest))
    }

    /// The file of a stored blob.
    public func blobURL(_ digest: Digest) -> URL { blobs.url(digest) }

    func load(_ digest: Digest, withNames: Bool = true) throws(ImageError) -> StoredImage {
        let record = try CanonicalJSON.decode(ImageRecord.self, from: try FS.read(recordURL(digest)), source: recordURL(digest).path)
        let manifest = try CanonicalJSON.decode(Manifest.self, from: try blobs.read(digest), source: digest.description)
        let config = try CanonicalJSON.decode(OCIImageConfig.self, from: try blobs.read(manifest.config.digest), source: manifest.config.digest.description)
        let names = withNames ? try allTags().filter { $0.value == digest }.map { $0.key.familiarString }.sorted() : []
        return StoredImage(
            names: names,
            manifestDigest: digest.description,
            configDigest: manifest.config.digest.description,
            config: config.imageConfig,
            rootfs: rootfs(for: digest),
            size: manifest.layers.reduce(manifest.config.size) { $0 + $1.size },
            source: record.source,
            registry: record.registry,
            imported: record.imported
        )
    }

    // MARK: - Index files

    func recordURL(_ digest: Digest) -> URL { recordsDirectory.appendingPathComponent(digest.hex + ".json") }

    func tagURL(_ reference: ImageReference) -> URL {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._")
        let name = "\(reference.name):\(reference.tag ?? "latest")"
        return tagsDirectory.appendingPathComponent(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name)
    }

    func tagTarget(_ reference: ImageReference) throws(ImageError) -> Digest? {
        let url = tagURL(reference)
        guard FS.exists(url) else { return nil }
        let text = String(decoding: try FS.read(url), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return try Digest.reference(text)
    }

    func allTags() throws(ImageError) -> [ImageReference: Digest] {
        var result: [ImageReference: Digest] = [:]
        for file in try listNames(tagsDirectory) {
            guard let name = file.removingPercentEncoding, let reference = try? ImageReference(parsing: name) else { continue }
            // A tag removed by a concurrent `image rm` between listing and reading is simply gone.
            let data: Data
            do {
                data = try FS.read(tagsDirectory.appendingPathComponent(file))
            } catch {
                if case .io(_, _, ENOENT) = error { continue }
                throw error
            }
            let text = String(decoding: data, as: UTF8.self)
            if let digest = try? Digest(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                result[reference] = digest
            }
        }
        return result
    }

    func recordDigests() throws(ImageError) -> [Digest] {
        try listNames(recordsDirectory).compactMap { name in
            name.hasSuffix(".json") ? try? Digest(parsing: "sha256:" + name.dropLast(5)) : nil
        }.sorted()
    }

    func listNames(_ directory: URL) throws(ImageError) -> [String] {
        guard FS.exists(directory) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }
        } catch {
            throw .io(path: directory.path, operation: "list directory", errno: EIO)
        }
    }
}
