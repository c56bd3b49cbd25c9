import Foundation

/// An image record the store cannot use (truncated JSON, a missing or altered blob, no rootfs), as
/// `image ls` shows it: marked broken, with the reason, beside the images that are fine.
public struct BrokenImage: Sendable, Codable, Equatable {
    /// `sha256:<hex>` from the record's file name.
    public var manifestDigest: String
    /// Names that point at it.
    public var names: [String]
    /// Why it cannot be used (the error a `run` or `inspect` of it would give).
    public var reason: String
}

/// Every image record of a store: the usable images and the broken ones.
public struct ImageCatalog: Sendable, Equatable {
    /// Usable images, sorted by name then digest.
    public var images: [StoredImage]
    /// Records that cannot be used, sorted by digest.
    public var broken: [BrokenImage]
}

extension ImageStore {
    /// Every image record, each either loaded or marked broken with the reason; one bad record never
    /// hides the others. Reads under the shared store lock, so a concurrent commit or removal (which
    /// holds it exclusively, briefly) is never seen half-done.
    public func catalog() throws(ImageError) -> ImageCatalog {
        guard FS.isDirectory(root) else { return ImageCatalog(images: [], broken: []) }
        let lock = try StoreLock(root: root, exclusive: false)
        defer { lock.release() }
        var images: [StoredImage] = []
        var broken: [BrokenImage] = []
        let tags = (try? allTags()) ?? [:]
        for digest in try recordDigests() {
            do {
                let image = try load(digest)
                try checkPresent(image)
                images.append(image)
            } catch {
                let names = tags.filter { $0.value == digest }.map { $0.key.familiarString }.sorted()
                broken.append(BrokenImage(manifestDigest: digest.description, names: names, reason: error.description))
            }
        }
        images.sort { ($0.names.first ?? "~", $0.manifestDigest) < ($1.names.first ?? "~", $1.manifestDigest) }
        return ImageCatalog(images: images, broken: broken)
    }

    /// Fails when a layer blob is missing or has the wrong size, or the rootfs is gone (cheap: stat only;
    /// `check` re-hashes everything).
    func checkPresent(_ image: StoredImage) throws(ImageError) {
        let manifest = try manifest(image)
        for layer in manifest.layers {
            var info = stat()
            guard lstat(blobs.url(layer.digest).path, &info) == 0 else {
                throw .invalidImage(source: image.manifestDigest, reason: "layer \(layer.digest) is missing from the store")
            }
            guard Int64(info.st_size) == layer.size else {
                throw .sizeMismatch(what: "stored layer \(layer.digest)", expected: layer.size, actual: Int64(info.st_size))
            }
        }
        guard FS.isDirectory(image.rootfs) else {
            throw .invalidImage(source: image.manifestDigest, reason: "its rootfs \(image.rootfs.path) is missing; import or pull it again")
        }
    }
}
