import CArchive
import ContentDigest
import Foundation

extension ImageStore {
    /// Imports an OCI layout directory, OCI archive or docker-save tar (detected from its content), names it
    /// `tag` (else the archive's own names), picking `platform` from multi-platform indexes.
    /// Everything is read, verified and unpacked in a private work area first; only the final commit
    /// holds the store lock. Setuid and setgid bits are stripped and `limits` bound the unpack.
    /// `ref` picks one image of an OCI layout by its `org.opencontainers.image.ref.name` (as skopeo's and
    /// umoci's `DIR:REF` name it).
    public func importImage(at path: URL, tag: String?, platform: Platform = .linuxAMD64, ref: String? = nil) throws(ImageError) -> StoredImage {
        try importCarrying(at: path, tag: tag, platform: platform, ref: ref).image
    }

    /// `importImage`, and the attestation envelopes the source carries for the image it stored (see
    /// ``ArchivedAttestations``: what `image save` writes), read within that type's bounds but not judged:
    /// the caller stores them through the attestation store, and the gate verifies them as always.
    public func importCarrying(at path: URL, tag: String?, platform: Platform = .linuxAMD64, ref: String? = nil) throws(ImageError)
        -> ImportedImage
    {
        let names: [ImageReference]? = try tag.map { (text) throws(ImageError) in [try Self.tagName(text)] }
        guard FS.exists(path) else {
            throw .io(path: path.path, operation: "import", errno: ENOENT)
        }
        return try withWorkArea("import") { (work, staged) throws(ImageError) in
            let source: ImageSource
            if FS.isDirectory(path) {
                source = DirectorySource(directory: path)
            } else {
                do throws(ImageError) {
                    source = try ArchiveSource(archive: path, work: work.directory, limits: limits)
                } catch {
                    // libarchive cannot read it: not an archive. Limits and I/O failures keep their own message,
                    // and so does a libarchive that cannot be loaded at all (that says nothing about the file).
                    guard case .archive = error, csr_archive_load() == 0 else { throw error }
                    throw .unknownFormat(path: path.path)
                }
            }
            let image: StoredImage
            if source.file("oci-layout") != nil && source.file("index.json") != nil {
                image = try importOCI(source, names: names, platform: platform, ref: ref, layout: path, staged: staged)
            } else if ref != nil {
                throw .invalidReference(reference: "\(path.path):\(ref ?? "")", reason: "only an OCI layout has refs; import the archive without :REF")
            } else if source.file("manifest.json") != nil {
                image = try importDockerArchive(source, names: names, staged: staged)
            } else {
                throw .unknownFormat(path: path.path)
            }
            return Self.carried(by: source, for: image)
        }
    }

    // MARK: - OCI layout

    private func importOCI(
        _ source: ImageSource, names: [ImageReference]?, platform: Platform, ref: String?, layout: URL, staged: StagedBlobs
    ) throws(ImageError) -> StoredImage {
        let index = try CanonicalJSON.decode(ImageIndex.self, from: try source.read("index.json"), source: "\(source.origin)/index.json")
        let top = try Self.pick(Self.entries(index.manifests, ref: ref, origin: source.origin), platform: platform, origin: source.origin)
        var descriptor = top
        var depth = 0
        while MediaType.indexes.contains(descriptor.mediaType) {
            depth += 1
            guard depth < 4 else { throw .invalidImage(source: source.origin, reason: "indexes nest too deeply") }
            let nested = try CanonicalJSON.decode(ImageIndex.self, from: try source.blob(descriptor), source: descriptor.digest.description)
            descriptor = try Self.pick(nested.manifests, platform: platform, origin: source.origin)
        }
        guard MediaType.manifests.contains(descriptor.mediaType) else {
            throw .unsupportedMediaType(mediaType: descriptor.mediaType, digest: descriptor.digest.description)
        }
        let manifestData = try source.blob(descriptor)
        let manifest = try CanonicalJSON.decode(Manifest.self, from: manifestData, source: descriptor.digest.description)
        try checkDeclaredSizes([manifest.config] + manifest.layers, source: source.origin)
        for blob in [manifest.config] + manifest.layers {
            if staged.linkExisting(blob) { continue }
            guard let file = source.file("blobs/sha256/\(blob.digest.hex)") else {
                throw .invalidImage(source: source.origin, reason: "blob \(blob.digest) is missing")
            }
            _ = try staged.stage(
                file: file, expected: blob, what: "blob \(blob.digest) in \(source.origin)", owned: source.ownsFiles, maxBytes: limits.maxImageBytes)
        }
        var tags = names ?? []
        if names == nil, let name = top.annotations?["io.containerd.image.name"] ?? top.annotations?[Self.refAnnotation] {
            if name.contains("/") || name.contains(":"), let reference = try? Self.tagName(name) {
                tags = [reference]
            } else if let reference = try? Self.tagName("\(layout.deletingPathExtension().lastPathComponent.lowercased()):\(name)") {
                // umoci and skopeo write a bare tag (`latest`) as the ref: it names the layout's image.
                tags = [reference]
            }
        }
        return try commit(manifestData: manifestData, names: tags, source: source.origin, registry: nil, staged: staged)
    }

    /// The annotation OCI layouts name their refs with.
    static let refAnnotation = "org.opencontainers.image.ref.name"

    /// The index entries to choose from: those named `ref` when given, and entries pointing at the same
    /// manifest counted once (a layout tagged twice holds one image, not two).
    static func entries(_ descriptors: [Descriptor], ref: String?, origin: String) throws(ImageError) -> [Descriptor] {
        var chosen = descriptors
        if let ref {
            chosen = descriptors.filter { $0.annotations?[refAnnotation] == ref }
            guard !chosen.isEmpty else {
                let refs = descriptors.compactMap { $0.annotations?[refAnnotation] }
                throw .invalidReference(
                    reference: "\(origin):\(ref)", reason: "the layout has no ref \(ref) (it has: \(refs.isEmpty ? "none" : refs.joined(separator: ", ")))")
            }
        }
        var seen: Set<Digest> = []
        chosen = chosen.filter { seen.insert($0.digest).inserted }
        let named = chosen.compactMap { $0.annotations?[refAnnotation] }
        if ref == nil, chosen.count > 1, chosen.allSatisfy({ $0.platform == nil }), !named.isEmpty {
            throw .invalidReference(
                reference: origin, reason: "the layout holds \(chosen.count) images (refs: \(named.joined(separator: ", "))); import one as \(origin):REF")
        }
        return chosen
    }

    /// The one descriptor for `platform`: the only entry, else the entry whose platform matches.
    package static func pick(_ descriptors: [Descriptor], platform: Platform, origin: String) throws(ImageError) -> Descriptor {
        let usable = descriptors.filter { MediaType.manifests.contains($0.mediaType) || MediaType.indexes.contains($0.mediaType) }
        if usable.count == 1, let only = usable.first,
            only.platform == nil || only.platform.map({ $0.os == platform.os && $0.architecture == platform.architecture }) == true
        {
            return only
        }
        let matching = usable.filter {
            guard let candidate = $0.platform else { return false }
            return candidate.os == platform.os && candidate.architecture == platform.architecture
                && (platform.variant == nil || candidate.variant == platform.variant)
        }
        if let first = matching.first { return first }
        if usable.count == 1, let only = usable.first { return only }
        throw .noMatchingPlatform(platform: platform.description, available: usable.map { $0.platform?.description ?? "unknown" }, source: origin)
    }

    // MARK: - docker save

    /// The largest image config a docker-save archive may carry (configs are a few KiB; this one is read whole).
    static let maxConfigBytes: Int64 = 16 << 20

    private struct DockerArchiveEntry: Decodable {
        var Config: String
        var RepoTags: [String]?
        var Layers: [String]
    }

    /// Stores a docker-save image as an OCI image with the same config blob (so the config digest matches);
    /// the config's diff_ids are the only digests a docker archive carries, so each layer is checked against them.
    private func importDockerArchive(_ source: ImageSource, names: [ImageReference]?, staged: StagedBlobs) throws(ImageError) -> StoredImage {
        let entries = try CanonicalJSON.decode([DockerArchiveEntry].self, from: try source.read("manifest.json"), source: "\(source.origin)/manifest.json")
        guard
            let entry = entries.first(where: {
                names == nil || $0.RepoTags?.contains(where: { tag in (try? ImageReference(parsing: tag)) == names?.first }) == true
            }) ?? entries.first
        else {
            throw .invalidImage(source: source.origin, reason: "manifest.json lists no image")
        }
        guard let configFile = source.file(entry.Config) else {
            throw .invalidImage(source: source.origin, reason: "config \(entry.Config) is missing")
        }
        let config = try staged.stage(
            file: configFile, expected: nil, what: "config \(entry.Config)", owned: source.ownsFiles, maxBytes: Self.maxConfigBytes)
        let parsed = try CanonicalJSON.decode(OCIImageConfig.self, from: try staged.read(config.digest), source: "\(source.origin)/\(entry.Config)")
        guard parsed.rootfs.diff_ids.count == entry.Layers.count else {
            throw .invalidImage(
                source: source.origin, reason: "it lists \(entry.Layers.count) layers but its config has \(parsed.rootfs.diff_ids.count) diff_ids")
        }
        var layers: [Descriptor] = []
        var budget = UnpackBudget(limits: limits)
        var total: Int64 = 0
        for (path, diffID) in zip(entry.Layers, parsed.rootfs.diff_ids) {
            guard let file = source.file(path) else {
                throw .invalidImage(source: source.origin, reason: "layer \(path) is missing")
            }
            let stored = try staged.stage(
                file: file, expected: nil, what: "layer \(path) in \(source.origin)", owned: source.ownsFiles, maxBytes: limits.maxImageBytes - total)
            total += stored.size
            guard let blob = staged.url(stored.digest) else {
                throw .invalidImage(source: source.origin, reason: "layer \(path) was not staged")
            }
            // Counted like every other layer: a compressed bomb stops here, before commit ever sees it.
            let actual = stored.digest == diffID ? diffID : try LayerPacker.diffID(of: blob, name: "\(path) in \(source.origin)", budget: &budget)
            guard actual == diffID else {
                throw .digestMismatch(what: "layer \(path) in \(source.origin)", expected: diffID.description, actual: actual.description)
            }
            let mediaType = stored.digest == diffID ? MediaType.ociLayer : try Self.compressedMediaType(blob)
            layers.append(Descriptor(mediaType: mediaType, digest: stored.digest, size: stored.size))
        }
        let manifest = Manifest(
            schemaVersion: 2, mediaType: MediaType.ociManifest,
            config: Descriptor(mediaType: MediaType.ociConfig, digest: config.digest, size: config.size),
            layers: layers, annotations: nil)
        var tags: [ImageReference] = []
        for text in entry.RepoTags ?? [] { tags.append(try Self.tagName(text)) }
        return try commit(manifestData: try CanonicalJSON.encode(manifest), names: names ?? tags, source: source.origin, registry: nil, staged: staged)
    }

    private static func compressedMediaType(_ url: URL) throws(ImageError) -> String {
        guard let handle = try? FileHandle(forReadingFrom: url), let magic = try? handle.read(upToCount: 4) else {
            throw .io(path: url.path, operation: "read", errno: EIO)
        }
        try? handle.close()
        if magic.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return MediaType.ociLayerZstd }
        return MediaType.ociLayerGzip
    }
}
