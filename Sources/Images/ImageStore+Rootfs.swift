import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension ImageStore {
    /// Packs `directory` into a one-layer OCI image (deterministic: the same tree gives the same digests),
    /// stores it, tags it `tag` (`name[:tag]`, default `latest`) and unpacks its shared rootfs.
    /// The layer keeps the tree's modes, setuid bits included, as any image would; the unpacked rootfs
    /// never has them (see `LayerUnpacker`).
    public func importRootfs(directory: URL, tag: String) throws(ImageError) -> StoredImage {
        let name = try Self.tagName(tag)
        guard FS.isDirectory(directory) else {
            throw .io(path: directory.path, operation: "import rootfs directory", errno: ENOTDIR)
        }
        return try withWorkArea("import") { (work, staged) throws(ImageError) in
            let tar = work.directory.appendingPathComponent("layer.tar")
            let gzip = work.directory.appendingPathComponent("layer.tar.gz")
            progress?("packing \(directory.path)")
            try LayerPacker(directory: directory).writeTar(to: tar)
            let diffID = try LayerPacker.diffID(of: tar)
            try LayerPacker.gzip(tar, to: gzip)
            unlink(tar.path)
            let layer = try staged.stage(file: gzip, expected: nil, what: "layer", owned: true, maxBytes: .max)

            var runtime = OCIImageConfig.RuntimeConfig()
            runtime.Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
            if FS.exists(directory.appendingPathComponent("bin/sh")) {
                runtime.Cmd = ["/bin/sh"]
            }
            // No `created` time: it would make every import of the same tree a different image.
            let config = OCIImageConfig(
                created: nil, architecture: "amd64", os: "linux", config: runtime,
                rootfs: .init(type: "layers", diff_ids: [diffID]))
            let configData = try CanonicalJSON.encode(config)
            let configDigest = try staged.put(configData)
            let manifest = Manifest(
                schemaVersion: 2, mediaType: MediaType.ociManifest,
                config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configData.count)),
                layers: [Descriptor(mediaType: MediaType.ociLayerGzip, digest: layer.digest, size: layer.size)],
                annotations: nil)
            return try commit(manifestData: try CanonicalJSON.encode(manifest), names: [name], source: directory.path, registry: nil, staged: staged)
        }
    }
}
