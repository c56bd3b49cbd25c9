import ContentDigest
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension ImageStore {
    /// Removes an image: by name, only that tag while other names remain; otherwise the image, its rootfs and
    /// the blobs no other image uses. Refused while a container (`<root>/containers/<id>/image`) uses it.
    /// A broken image (unreadable record or manifest) can be removed too.
    ///
    /// The store lock is held only while names and records change; the rootfs, renamed aside under a
    /// temporary name of this removal's work area, is deleted after the lock is released.
    public func remove(_ reference: String) throws(ImageError) {
        let digest = try resolveDigest(reference)
        try withWorkArea("rm") { (work, _) throws(ImageError) in
            // The same lock an import of this image unpacks under: neither sees the other half-done.
            let rootfsLock = try RootfsLock.acquire(root: root, digest: digest)
            defer { rootfsLock.releaseAndUnlink() }
            let lock = try StoreLock(root: root)
            defer { lock.release() }
            guard FS.exists(recordURL(digest)) else { throw .notFound(reference: reference, root: root.path) }
            let users = try containers(using: digest)
            guard users.isEmpty else {
                throw .inUse(reference: reference, digest: digest.description, containers: users)
            }
            let tags = try allTags().filter { $0.value == digest }.map(\.key)
            if let named = try? ImageReference(parsing: reference), named.digest == nil, tags.contains(named), tags.count > 1 {
                try FS.check(unlink(tagURL(named).path), "remove tag", tagURL(named).path)
                return
            }
            let manifest = try? CanonicalJSON.decode(Manifest.self, from: try blobs.read(digest), source: digest.description)
            for tag in tags {
                try FS.check(unlink(tagURL(tag).path), "remove tag", tagURL(tag).path)
            }
            try FS.check(unlink(recordURL(digest).path), "remove record", recordURL(digest).path)
            unlink(unpackRecordURL(digest).path)

            let rootfs = rootfs(for: digest)
            if FS.exists(rootfs) {
                // Renamed first so a half-deleted tree is never mistaken for an unpacked rootfs; the work
                // area's close() deletes it, and a sweep does if this process dies first.
                let doomed = work.temporary(in: rootfsDirectory, "removed")
                try FS.check(rename(rootfs.path, doomed.path), "remove rootfs", rootfs.path)
            }
            // When another image cannot be read, nothing is called unused; a later sweep collects the rest.
            if let stillUsed = referencedBlobs() {
                let own = [digest] + (manifest.map { [$0.config.digest] + $0.layers.map(\.digest) } ?? [])
                for blob in own where !stillUsed.contains(blob) {
                    unlink(blobs.url(blob).path)
                }
            }
        }
    }

    /// Every blob a stored image names (its manifest, config and layers), or nil when some image's manifest
    /// cannot be read, so nothing can safely be called unused.
    func referencedBlobs() -> Set<Digest>? {
        guard let digests = try? recordDigests() else { return nil }
        var used: Set<Digest> = []
        for digest in digests {
            used.insert(digest)
            guard let data = try? blobs.read(digest), let manifest = try? CanonicalJSON.decode(Manifest.self, from: data, source: digest.description)
            else { return nil }
            used.insert(manifest.config.digest)
            used.formUnion(manifest.layers.map(\.digest))
        }
        return used
    }

    /// Ids of containers whose `<root>/containers/<id>/image` names `digest`.
    public func containers(using digest: Digest) throws(ImageError) -> [String] {
        var users: [String] = []
        for id in try listNames(containersDirectory).sorted() {
            let marker = containersDirectory.appendingPathComponent(id).appendingPathComponent("image")
            guard let data = try? Data(contentsOf: marker) else { continue }
            if String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == digest.description {
                users.append(id)
            }
        }
        return users
    }
}
