import ContentDigest
import Foundation

/// What `image save` wrote.
public struct SavedImage: Sendable, Equatable {
    /// The image saved.
    public var image: StoredImage
    /// The archive.
    public var file: URL
    /// Its format.
    public var format: ArchiveFormat
    /// The name the archive gives the image (`index.json`'s ref annotations, `manifest.json`'s RepoTags),
    /// when it was saved by one of its names.
    public var name: String?
    /// How many attestation envelopes travel inside it.
    public var attestations: Int
}

extension ImageStore {
    /// Writes the image `reference` names to `file` as an OCI archive or a docker-save tar with its exact
    /// blobs (each re-hashed as it is written, so a corrupt blob stops the save) and, under
    /// ``ArchivedAttestations``, the envelopes in `attestations`. The archive names the image only when it
    /// was saved by a name (as `docker save` does). `file` is written atomically (see ``OutputFile``): an
    /// existing `file` is refused unless `replace`, and on any failure it is left as it was and nothing else
    /// remains.
    public func save(
        _ reference: String, to file: URL, format: ArchiveFormat = .ociArchive, attestations: [Data] = [], replace: Bool = false
    ) throws(ImageError) -> SavedImage {
        let pinned = try pin(reference, kind: "save")
        defer { pinned.close() }
        try refuseInsideStore(file)
        let output = try OutputFile(file, replace: replace)
        let failure = { (error: ImageError) in error }
        let write = { (bytes: [UInt8]) throws(ImageError) in try output.write(bytes) }

        try TarWriter.directory("blobs", failure: failure, write: write)
        try TarWriter.directory("blobs/sha256", failure: failure, write: write)
        try TarWriter.bytes("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), failure: failure, write: write)
        for blob in pinned.blobs {
            try TarWriter.file(
                "blobs/sha256/\(blob.digest.hex)", path: try pinned.file(blob.digest).path, size: blob.size, digest: blob.digest,
                failure: failure, write: write)
        }
        try TarWriter.bytes("blobs/sha256/\(pinned.digest.hex)", Array(pinned.manifestData), failure: failure, write: write)

        var entry = pinned.descriptor
        entry.platform = Platform(os: pinned.image.config.os ?? "linux", architecture: pinned.image.config.architecture ?? "amd64")
        if let name = pinned.name {
            // containerd's full name is what `image import` reads first; the ref is the tag, as Docker writes it.
            entry.annotations = ["io.containerd.image.name": name.description, Self.refAnnotation: name.tag ?? "latest"]
        }
        let index = ImageIndex(schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [entry], annotations: nil)
        try TarWriter.bytes("index.json", Array(try CanonicalJSON.encode(index)), failure: failure, write: write)
        if format == .dockerArchive {
            struct DockerEntry: Encodable {
                var Config: String
                var RepoTags: [String]
                var Layers: [String]
            }
            let docker = DockerEntry(
                Config: "blobs/sha256/\(pinned.manifest.config.digest.hex)", RepoTags: pinned.name.map { [$0.familiarString] } ?? [],
                Layers: pinned.manifest.layers.map { "blobs/sha256/\($0.digest.hex)" })
            try TarWriter.bytes("manifest.json", Array(try CanonicalJSON.encode([docker])), failure: failure, write: write)
        }

        var seen: Set<Digest> = []
        let envelopes = attestations.filter { seen.insert(Digest.of($0)).inserted }
        if !envelopes.isEmpty {
            try TarWriter.directory("securerun", failure: failure, write: write)
            try TarWriter.directory(ArchivedAttestations.directory, failure: failure, write: write)
            let directory = ArchivedAttestations.directory(for: pinned.digest)
            try TarWriter.directory(directory, failure: failure, write: write)
            for envelope in envelopes {
                try TarWriter.bytes("\(directory)/\(Digest.of(envelope).hex).json", Array(envelope), failure: failure, write: write)
            }
        }
        try TarWriter.finish(write: write)
        try output.commit()
        return SavedImage(image: pinned.image, file: file, format: format, name: pinned.name?.familiarString, attestations: envelopes.count)
    }

    /// Refuses a `file` whose directory is in the state root: an archive written there could replace a
    /// blob or record under the name securerun reads it by.
    private func refuseInsideStore(_ file: URL) throws(ImageError) {
        func real(_ path: String) -> String? {
            guard let resolved = realpath(path, nil) else { return nil }
            defer { free(resolved) }
            return String(cString: resolved)
        }
        guard let inside = real(file.deletingLastPathComponent().path), let top = real(root.path) else { return }
        if inside == top || inside.hasPrefix(top + "/") {
            throw .outputRefused(path: file.path, reason: "it is inside the state root \(top); write the archive somewhere else")
        }
    }
}
