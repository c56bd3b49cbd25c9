import Foundation

extension ImageStore {
    /// Names the stored image `source` (any reference `resolve` takes) also `target`, a `name[:tag]` without
    /// a digest, as `docker tag` does: a `target` that named another image now names this one (the other
    /// image keeps its other names, or stays untagged). The tag file is written atomically under the store
    /// lock, so a concurrent removal of `source` either happens before (the tag is refused) or after.
    @discardableResult
    public func tag(_ source: String, as target: String) throws(ImageError) -> StoredImage {
        let name = try Self.tagName(target)
        let digest = try resolveDigest(source)
        return try withWorkArea("tag") { (work, _) throws(ImageError) in
            let lock = try StoreLock(root: root)
            defer { lock.release() }
            guard FS.exists(recordURL(digest)) else { throw .notFound(reference: source, root: root.path) }
            // A broken image (unreadable record or manifest) gets no new name.
            _ = try load(digest)
            try FS.makeDirectories(tagsDirectory)
            try FS.writeAtomically(Data((digest.description + "\n").utf8), to: tagURL(name), temporaryName: work.temporaryName("tag"))
            return try load(digest)
        }
    }
}
