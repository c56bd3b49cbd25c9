import Foundation
import Images

extension ImageStore {
    /// The client for `reference`'s registry: `given` or a new one, after `allowedRegistries` (when given)
    /// has refused any other registry, before a single request is made.
    static func registryClient(
        for reference: ImageReference, allowedRegistries: [String]?, insecure: Bool, credentials: RegistryCredentials?, given: RegistryClient?
    ) throws(ImageError) -> RegistryClient {
        if let allowedRegistries {
            let allowed = allowedRegistries.map { $0 == "index.docker.io" ? ImageReference.defaultRegistry : $0 }
            guard allowed.contains(reference.registry) else {
                throw .registryNotAllowed(registry: reference.registry, allowed: allowedRegistries)
            }
        }
        if let given { return given }
        return try RegistryClient(registry: reference.registry, insecure: insecure, credentials: credentials)
    }

    /// Pulls `reference` from its registry: picks `platform` from an index, streams every blob to a file in
    /// the pull's work area while hashing it (digest and size checked before it is stored), then stores and
    /// unpacks the image like any import. `allowedRegistries`, when given, refuses any other registry before
    /// contacting it; an image whose blobs declare more than `limits` allow is refused before any blob is
    /// fetched. `client` (for its credentials and tokens) defaults to a new one; `transfer` gets byte
    /// progress for each blob.
    public func pull(
        _ reference: String, insecure: Bool = false, credentials: RegistryCredentials? = nil,
        allowedRegistries: [String]? = nil, platform: Platform = .linuxAMD64,
        progress: (@Sendable (String) -> Void)? = nil, client: RegistryClient? = nil,
        transfer: (@Sendable (TransferProgress) -> Void)? = nil
    ) async throws(ImageError) -> StoredImage {
        let progress = progress ?? self.progress
        let parsed = try ImageReference(parsing: reference)
        let client = try Self.registryClient(
            for: parsed, allowedRegistries: allowedRegistries, insecure: insecure, credentials: credentials, given: client)
        let repository = parsed.repository

        var fetched = try await client.manifest(parsed)
        var depth = 0
        while MediaType.indexes.contains(fetched.mediaType) {
            depth += 1
            guard depth < 4 else { throw .invalidImage(source: parsed.description, reason: "indexes nest too deeply") }
            let index = try CanonicalJSON.decode(ImageIndex.self, from: fetched.data, source: parsed.description)
            let chosen = try Self.pick(index.manifests, platform: platform, origin: parsed.description)
            fetched = try await client.manifest(repository: repository, reference: chosen.digest.description)
        }
        guard MediaType.manifests.contains(fetched.mediaType) else {
            throw .unsupportedMediaType(mediaType: fetched.mediaType, digest: fetched.digest.description)
        }
        let manifest = try CanonicalJSON.decode(Manifest.self, from: fetched.data, source: "\(parsed.description) (\(fetched.digest))")

        try checkDeclaredSizes([manifest.config] + manifest.layers, source: parsed.description)

        try FS.makeDirectories(root)
        let work = try WorkArea(root: root, kind: "pull")
        defer { work.close() }
        let staged = try StagedBlobs(work: work, store: blobs)
        for (number, descriptor) in ([manifest.config] + manifest.layers).enumerated() where !staged.linkExisting(descriptor) {
            progress?("fetching \(descriptor.digest) (\(descriptor.size) bytes, \(number + 1)/\(manifest.layers.count + 1))")
            let file = work.directory.appendingPathComponent("fetched-\(descriptor.digest.hex)")
            try await client.blob(repository: repository, descriptor: descriptor, to: file, progress: transfer)
            _ = try staged.stage(
                file: file, expected: descriptor, what: "blob \(descriptor.digest) from \(parsed.registry)", owned: true, maxBytes: limits.maxImageBytes)
        }
        var names: [ImageReference] = []
        if parsed.tag != nil && parsed.digest == nil { names = [parsed] }
        var store = self
        store.progress = progress
        return try store.commit(manifestData: fetched.data, names: names, source: parsed.description, registry: parsed.registry, staged: staged)
    }
}
