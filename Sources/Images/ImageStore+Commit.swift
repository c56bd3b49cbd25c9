import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension ImageStore {
    /// Runs `body` holding the store lock with a work directory and a transaction; on error everything the
    /// body created (blobs, rootfs) is removed and what was stored before is untouched.
    func withImport<T>(_ body: (URL, ImportTransaction) throws(ImageError) -> T) throws(ImageError) -> T {
        let lock = try StoreLock(root: root)
        let work = root.appendingPathComponent("tmp/import-\(FS.randomSuffix())", isDirectory: true)
        try FS.makeDirectories(work)
        let transaction = ImportTransaction()
        defer {
            FS.removeTree(work)
            withExtendedLifetime(lock) {}
        }
        do {
            return try body(work, transaction)
        } catch {
            transaction.rollback()
            throw error
        }
    }

    /// Makes a stored image of a manifest whose blobs are already in the store: checks the manifest,
    /// config and layer diff_ids, unpacks the rootfs (once, safely), then writes the record and the tags.
    func commit(
        manifestData: Data, names: [ImageReference], source: String?, registry: String?,
        keepSetuid: Bool, transaction: ImportTransaction
    ) throws(ImageError) -> StoredImage {
        let digest = try blobs.put(manifestData, transaction: transaction)
        let manifest = try CanonicalJSON.decode(Manifest.self, from: manifestData, source: "manifest \(digest)")
        guard manifest.schemaVersion == 2 else {
            throw .invalidImage(source: "manifest \(digest)", reason: "schemaVersion is \(manifest.schemaVersion), expected 2")
        }
        if let mediaType = manifest.mediaType, !MediaType.manifests.contains(mediaType) {
            throw .unsupportedMediaType(mediaType: mediaType, digest: digest.description)
        }
        let config = try CanonicalJSON.decode(OCIImageConfig.self, from: try blobs.read(manifest.config.digest), source: "config \(manifest.config.digest)")
        guard config.rootfs.diff_ids.count == manifest.layers.count else {
            throw .invalidImage(
                source: "manifest \(digest)", reason: "it has \(manifest.layers.count) layers but its config lists \(config.rootfs.diff_ids.count) diff_ids")
        }
        for layer in manifest.layers where !MediaType.layers.contains(layer.mediaType) {
            throw .unsupportedMediaType(mediaType: layer.mediaType, digest: layer.digest.description)
        }

        let destination = rootfs(for: digest)
        if !FS.exists(destination) {
            for (number, (layer, diffID)) in zip(manifest.layers, config.rootfs.diff_ids).enumerated() {
                progress?("verifying layer \(number + 1)/\(manifest.layers.count) \(layer.digest)")
                guard blobs.has(layer.digest) else {
                    throw .invalidImage(source: "manifest \(digest)", reason: "layer \(layer.digest) is not in the store")
                }
                let actual = try LayerPacker.diffID(of: blobs.url(layer.digest))
                guard actual == diffID else {
                    throw .digestMismatch(what: "uncompressed layer \(layer.digest)", expected: diffID.description, actual: actual.description)
                }
            }
            let layers = manifest.layers.map { (file: blobs.url($0.digest), name: $0.digest.description) }
            progress?("unpacking \(layers.count) layer\(layers.count == 1 ? "" : "s") into the shared rootfs")
            try LayerUnpacker(keepSetuid: keepSetuid).unpack(layers: layers, into: destination)
            transaction.created(destination)
        }

        let formatter = ISO8601DateFormatter()
        let record = ImageRecord(manifestDigest: digest, source: source, registry: registry, imported: formatter.string(from: Date()))
        try FS.makeDirectories(recordsDirectory)
        if !FS.exists(recordURL(digest)) {
            try FS.writeAtomically(try CanonicalJSON.encode(record), to: recordURL(digest))
            transaction.created(recordURL(digest))
        }
        try FS.makeDirectories(tagsDirectory)
        for name in names {
            try FS.writeAtomically(Data((digest.description + "\n").utf8), to: tagURL(name))
        }
        return try load(digest)
    }

    /// A name given with `--tag`: a reference without a digest.
    static func tagName(_ text: String) throws(ImageError) -> ImageReference {
        let reference = try ImageReference(parsing: text)
        guard reference.digest == nil else {
            throw .invalidReference(reference: text, reason: "a tag cannot contain a digest")
        }
        return reference
    }
}
