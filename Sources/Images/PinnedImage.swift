import ContentDigest
import Foundation

/// A stored image whose blobs (manifest, config, layers) are hard-linked into a work area of their own, so
/// a concurrent `image rm` cannot take them away while `image save` or `image push` reads them; the store
/// lock is held only while the links are made. `close()` (or the value going away) removes the links.
package final class PinnedImage {
    /// The image as the store lists it.
    package let image: StoredImage
    /// Its manifest digest.
    package let digest: Digest
    /// The exact manifest bytes (their digest is `digest`).
    package let manifestData: Data
    /// The parsed manifest.
    package let manifest: Manifest
    /// The name it was found by, when that was one of its tags (not a digest).
    package let name: ImageReference?
    private let work: WorkArea
    private let staged: StagedBlobs

    fileprivate init(
        image: StoredImage, digest: Digest, manifestData: Data, manifest: Manifest, name: ImageReference?, work: WorkArea, staged: StagedBlobs
    ) {
        self.image = image
        self.digest = digest
        self.manifestData = manifestData
        self.manifest = manifest
        self.name = name
        self.work = work
        self.staged = staged
    }

    deinit { work.close() }

    /// The manifest's descriptor: its media type (OCI when the manifest does not say), digest and size.
    package var descriptor: Descriptor {
        Descriptor(mediaType: manifest.mediaType ?? MediaType.ociManifest, digest: digest, size: Int64(manifestData.count))
    }

    /// The config and the layers, each once, in manifest order.
    package var blobs: [Descriptor] {
        var seen: Set<Digest> = []
        return ([manifest.config] + manifest.layers).filter { seen.insert($0.digest).inserted }
    }

    /// The pinned file of a blob of this image.
    package func file(_ digest: Digest) throws(ImageError) -> URL {
        guard let url = staged.url(digest) else {
            throw .invalidImage(source: self.digest.description, reason: "blob \(digest) is not part of the image")
        }
        return url
    }

    /// The work area's directory (for files an operation makes while it runs).
    package var directory: URL { work.directory }

    /// Removes the links now.
    package func close() { work.close() }
}

extension ImageStore {
    /// Pins the image `reference` names (see ``PinnedImage``) for an operation of `kind` (`save`, `push`).
    package func pin(_ reference: String, kind: String) throws(ImageError) -> PinnedImage {
        let digest = try resolveDigest(reference)
        var name: ImageReference?
        if let parsed = try? ImageReference(parsing: reference.trimmingCharacters(in: .whitespaces)), parsed.digest == nil,
            (try? tagTarget(parsed)) == digest
        {
            name = parsed
        }
        try FS.makeDirectories(root)
        let work = try WorkArea(root: root, kind: kind)
        let staged = try StagedBlobs(work: work, store: blobs)
        let lock = try StoreLock(root: root, exclusive: false)
        defer { lock.release() }
        guard FS.exists(recordURL(digest)) else { throw .notFound(reference: reference, root: root.path) }
        let image = try load(digest)
        let manifestData = try blobs.read(digest)
        let manifest = try CanonicalJSON.decode(Manifest.self, from: manifestData, source: digest.description)
        let pinned = PinnedImage(image: image, digest: digest, manifestData: manifestData, manifest: manifest, name: name, work: work, staged: staged)
        for descriptor in [pinned.descriptor] + pinned.blobs where !staged.linkExisting(descriptor) {
            throw .invalidImage(
                source: digest.description,
                reason: "blob \(descriptor.digest) is missing from the store or has the wrong size; `securerun image check` tells more")
        }
        return pinned
    }
}
