import Foundation

extension ImageStore {
    /// Pulls `reference` from its registry: picks `platform` from an index, streams every blob to a file in
    /// the store's `tmp/` while hashing it (digest and size checked before it is stored), then stores and
    /// unpacks the image like any import. `allowedRegistries`, when given, refuses any other registry before
    /// contacting it. `client` (for its credentials and tokens) defaults to a new one; `transfer` gets byte
    /// progress for each blob.
    public func pull(
        _ reference: String, insecure: Bool = false, credentials: RegistryCredentials? = nil,
        allowedRegistries: [String]? = nil, platform: Platform = .linuxAMD64, keepSetuid: Bool = false,
        progress: (@Sendable (String) -> Void)? = nil, client: RegistryClient? = nil,
        transfer: (@Sendable (TransferProgress) -> Void)? = nil
    ) async throws(ImageError) -> StoredImage {
        let progress = progress ?? self.progress
        let parsed = try ImageReference(parsing: reference)
        if let allowedRegistries {
            let allowed = allowedRegistries.map { $0 == "index.docker.io" ? ImageReference.defaultRegistry : $0 }
            guard allowed.contains(parsed.registry) else {
                throw .registryNotAllowed(registry: parsed.registry, allowed: allowedRegistries)
            }
        }
        let given = client
        let client: RegistryClient
        if let given {
            client = given
        } else {
            client = try RegistryClient(registry: parsed.registry, insecure: insecure, credentials: credentials)
        }
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

        let work = root.appendingPathComponent("tmp/pull-\(FS.randomSuffix())", isDirectory: true)
        try FS.makeDirectories(work)
        defer { FS.removeTree(work) }
        var files: [(URL, Descriptor)] = []
        for (number, descriptor) in ([manifest.config] + manifest.layers).enumerated() {
            let file = work.appendingPathComponent(descriptor.digest.hex)
            if !blobs.has(descriptor.digest) {
                progress?("fetching \(descriptor.digest) (\(descriptor.size) bytes, \(number + 1)/\(manifest.layers.count + 1))")
                try await client.blob(repository: repository, descriptor: descriptor, to: file, progress: transfer)
            }
            files.append((file, descriptor))
        }
        var names: [ImageReference] = []
        if parsed.tag != nil && parsed.digest == nil { names = [parsed] }
        let fetchedManifest = fetched
        return try withImport { (_, transaction) throws(ImageError) in
            for (file, descriptor) in files where !blobs.has(descriptor.digest) {
                _ = try blobs.ingest(
                    file: file, expected: descriptor, what: "blob \(descriptor.digest) from \(parsed.registry)", move: true, transaction: transaction)
            }
            return try commit(
                manifestData: fetchedManifest.data, names: names, source: parsed.description,
                registry: parsed.registry, keepSetuid: keepSetuid, transaction: transaction)
        }
    }
}
