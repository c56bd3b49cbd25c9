import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension ImageStore {
    /// Removes an image: by name, only that tag while other names remain; otherwise the image, its rootfs and
    /// the blobs no other image uses. Refused while a container (`<root>/containers/<id>/image`) uses it.
    public func remove(_ reference: String) throws(ImageError) {
        let lock = try StoreLock(root: root)
        defer { withExtendedLifetime(lock) {} }
        let digest = try resolveDigest(reference)
        let users = try containers(using: digest)
        guard users.isEmpty else {
            throw .inUse(reference: reference, digest: digest.description, containers: users)
        }
        let tags = try allTags().filter { $0.value == digest }.map(\.key)
        if let named = try? ImageReference(parsing: reference), named.digest == nil, tags.contains(named), tags.count > 1 {
            try FS.check(unlink(tagURL(named).path), "remove tag", tagURL(named).path)
            return
        }
        let manifest = try CanonicalJSON.decode(Manifest.self, from: try blobs.read(digest), source: digest.description)
        for tag in tags {
            try FS.check(unlink(tagURL(tag).path), "remove tag", tagURL(tag).path)
        }
        try FS.check(unlink(recordURL(digest).path), "remove record", recordURL(digest).path)

        let rootfs = rootfs(for: digest)
        if FS.exists(rootfs) {
            // Rename first so a half-deleted tree is never mistaken for an unpacked rootfs.
            let doomed = rootfsDirectory.appendingPathComponent(".tmp-rm-\(FS.randomSuffix())")
            try FS.check(rename(rootfs.path, doomed.path), "remove rootfs", rootfs.path)
            FS.removeTree(doomed)
        }

        var stillUsed: Set<Digest> = []
        for other in try recordDigests() {
            stillUsed.insert(other)
            if let data = try? blobs.read(other), let otherManifest = try? JSONDecoder().decode(Manifest.self, from: data) {
                stillUsed.insert(otherManifest.config.digest)
                stillUsed.formUnion(otherManifest.layers.map(\.digest))
            }
        }
        for blob in [digest, manifest.config.digest] + manifest.layers.map(\.digest) where !stillUsed.contains(blob) {
            unlink(blobs.url(blob).path)
        }
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
