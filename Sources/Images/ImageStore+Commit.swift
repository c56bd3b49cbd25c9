import ContentDigest
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension ImageStore {
    /// Runs `body` in a new work area (see `WorkArea`) with its staged blobs; afterwards, success or not,
    /// the work area and every temporary entry it made are removed.
    package func withWorkArea<T>(_ kind: String, _ body: (WorkArea, StagedBlobs) throws(ImageError) -> T) throws(ImageError) -> T {
        try FS.makeDirectories(root)
        let work = try WorkArea(root: root, kind: kind)
        defer { work.close() }
        return try body(work, try StagedBlobs(work: work, store: blobs))
    }

    /// Makes a stored image of a manifest whose blobs are staged: checks the manifest, config and layer
    /// diff_ids and unpacks the rootfs (once per image, safely, within `limits`) in the work area, then,
    /// holding the store lock only for that, moves blobs, rootfs and unpack record into the store and writes
    /// the image record and tags. On error nothing new is left in the store.
    package func commit(
        manifestData: Data, names: [ImageReference], source: String?, registry: String?, staged: StagedBlobs
    ) throws(ImageError) -> StoredImage {
        let digest = try staged.put(manifestData)
        let manifest = try CanonicalJSON.decode(Manifest.self, from: manifestData, source: "manifest \(digest)")
        guard manifest.schemaVersion == 2 else {
            throw .invalidImage(source: "manifest \(digest)", reason: "schemaVersion is \(manifest.schemaVersion), expected 2")
        }
        if let mediaType = manifest.mediaType, !MediaType.manifests.contains(mediaType) {
            throw .unsupportedMediaType(mediaType: mediaType, digest: digest.description)
        }
        let config = try CanonicalJSON.decode(
            OCIImageConfig.self, from: try staged.read(manifest.config.digest), source: "config \(manifest.config.digest)")
        guard config.rootfs.diff_ids.count == manifest.layers.count else {
            throw .invalidImage(
                source: "manifest \(digest)", reason: "it has \(manifest.layers.count) layers but its config lists \(config.rootfs.diff_ids.count) diff_ids")
        }
        var layers: [(file: URL, name: String)] = []
        for layer in manifest.layers {
            guard MediaType.layers.contains(layer.mediaType) else {
                throw .unsupportedMediaType(mediaType: layer.mediaType, digest: layer.digest.description)
            }
            guard let file = staged.url(layer.digest) else {
                throw .invalidImage(source: "manifest \(digest)", reason: "layer \(layer.digest) is not part of the image")
            }
            layers.append((file, layer.digest.description))
        }

        // One unpack per image at a time; other images go on in parallel.
        let rootfsLock = try RootfsLock.acquire(root: root, digest: digest)
        defer { rootfsLock.releaseAndUnlink() }
        let destination = rootfs(for: digest)
        var unpacked: (directory: URL, record: URL, digest: Digest)?
        if !(FS.isDirectory(destination) && FS.exists(unpackRecordURL(digest))) {
            var budget = UnpackBudget(limits: limits)
            for (number, (layer, diffID)) in zip(layers, config.rootfs.diff_ids).enumerated() {
                progress?("verifying layer \(number + 1)/\(layers.count) \(layer.name)")
                let actual = try LayerPacker.diffID(of: layer.file, name: layer.name, budget: &budget)
                guard actual == diffID else {
                    throw .digestMismatch(what: "uncompressed layer \(layer.name)", expected: diffID.description, actual: actual.description)
                }
            }
            progress?("unpacking \(layers.count) layer\(layers.count == 1 ? "" : "s") into the shared rootfs")
            try FS.makeDirectories(rootfsDirectory)
            let directory = staged.work.temporary(in: rootfsDirectory, "unpack")
            let record = staged.work.directory.appendingPathComponent("unpack.record")
            guard let recordDigest = try LayerUnpacker(limits: limits).unpack(layers: layers, staging: directory, record: record) else {
                throw .io(path: record.path, operation: "write unpack record", errno: EIO)
            }
            unpacked = (directory, record, recordDigest)
        }

        let lock = try StoreLock(root: root)
        defer { lock.release() }
        let transaction = ImportTransaction()
        do throws(ImageError) {
            try staged.commit([digest, manifest.config.digest] + manifest.layers.map(\.digest), transaction: transaction)
            let existing = try? CanonicalJSON.decode(ImageRecord.self, from: try FS.read(recordURL(digest)), source: recordURL(digest).path)
            let recordDigest: Digest
            if let unpacked {
                if FS.exists(destination) {
                    // Unpacked by an older securerun (no record; setuid bits maybe): replaced, unless in use.
                    let users = try containers(using: digest)
                    guard users.isEmpty else { throw .rootfsInUse(digest: digest.description, containers: users) }
                    let old = staged.work.temporary(in: rootfsDirectory, "replaced")
                    try FS.check(rename(destination.path, old.path), "move aside", destination.path)
                    transaction.moved(from: destination, to: old)
                }
                try FS.makeDirectories(unpackedDirectory)
                try FS.check(rename(unpacked.record.path, unpackRecordURL(digest).path), "store unpack record", unpackRecordURL(digest).path)
                transaction.created(unpackRecordURL(digest))
                try FS.check(rename(unpacked.directory.path, destination.path), "rename into place", destination.path)
                transaction.created(destination)
                recordDigest = unpacked.digest
            } else if let known = existing?.unpackRecord {
                recordDigest = known
            } else {
                recordDigest = Digest.of(try FS.read(unpackRecordURL(digest)))
            }

            if existing?.unpackRecord != recordDigest {
                let record = ImageRecord(
                    manifestDigest: digest, source: existing?.source ?? source, registry: existing?.registry ?? registry,
                    imported: existing?.imported ?? ISO8601DateFormatter().string(from: Date()), unpackRecord: recordDigest)
                try FS.makeDirectories(recordsDirectory)
                if existing == nil { transaction.created(recordURL(digest)) }
                try FS.writeAtomically(try CanonicalJSON.encode(record), to: recordURL(digest), temporaryName: staged.work.temporaryName("record"))
            }
            try FS.makeDirectories(tagsDirectory)
            for name in names {
                try FS.writeAtomically(Data((digest.description + "\n").utf8), to: tagURL(name), temporaryName: staged.work.temporaryName("tag"))
            }
            return try load(digest)
        } catch {
            transaction.rollback()
            throw error
        }
    }

    /// A name given with `--tag`: a reference without a digest.
    static func tagName(_ text: String) throws(ImageError) -> ImageReference {
        let reference = try ImageReference(parsing: text)
        guard reference.digest == nil else {
            throw .invalidReference(reference: text, reason: "a tag cannot contain a digest")
        }
        return reference
    }

    /// Refuses, before anything is copied, an image whose blobs alone are larger than `limits` allow.
    package func checkDeclaredSizes(_ descriptors: [Descriptor], source: String) throws(ImageError) {
        let total = descriptors.reduce(Int64(0)) { $0 &+ max(0, $1.size) }
        if total > limits.maxImageBytes || descriptors.contains(where: { $0.size < 0 }) {
            throw .limitExceeded(
                layer: "image \(source)", limit: .imageBytes,
                detail: "its blobs declare \(UnpackBudget.format(total)), more than store.maxUnpackedSize \(UnpackBudget.format(limits.maxImageBytes))")
        }
    }
}
