import CArchive
import ContentDigest
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What `image check` found for one image.
public struct ImageCheck: Sendable, Codable, Equatable {
    /// `sha256:<hex>` of the manifest.
    public var manifestDigest: String
    /// Names that point at it.
    public var names: [String]
    /// Blobs re-hashed.
    public var blobs: Int
    /// Rootfs paths compared.
    public var paths: Int
    /// Every difference from what the store recorded, one line each.
    public var differences: [String]
    /// Remarks that are not differences (how the rootfs was compared).
    public var notes: [String]

    /// Whether everything matched.
    public var ok: Bool { differences.isEmpty }
}

extension ImageStore {
    /// Re-hashes every blob of each image against its digest and compares each unpacked rootfs, path by
    /// path (type, mode, owner, size, content hash, symlink target), with the unpack record written when it
    /// was unpacked, whose own digest is in the image record. The rootfs is walked fd-relative, never
    /// following a symlink and never descending into another mount. An image unpacked by an older
    /// securerun (no record) is compared with a fresh unpack of its layers instead.
    ///
    /// `references` empty means every stored image; an unknown reference throws (nothing is checked).
    public func check(_ references: [String]) throws(ImageError) -> [ImageCheck] {
        var digests: [Digest] = []
        if references.isEmpty {
            digests = try recordDigests()
        } else {
            for reference in references { digests.append(try resolveDigest(reference)) }
        }
        let tags = (try? allTags()) ?? [:]
        var results: [ImageCheck] = []
        for digest in digests {
            let names = tags.filter { $0.value == digest }.map { $0.key.familiarString }.sorted()
            var result = ImageCheck(manifestDigest: digest.description, names: names, blobs: 0, paths: 0, differences: [], notes: [])
            checkImage(digest, into: &result)
            results.append(result)
        }
        return results
    }

    private func checkImage(_ digest: Digest, into result: inout ImageCheck) {
        var record: ImageRecord?
        do {
            record = try CanonicalJSON.decode(ImageRecord.self, from: try FS.read(recordURL(digest)), source: relative(recordURL(digest)))
        } catch {
            result.differences.append("image record \(relative(recordURL(digest))) cannot be read: \(error)")
        }
        guard checkBlob(Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: -1), what: "manifest", into: &result) else { return }
        let manifest: Manifest
        do {
            manifest = try CanonicalJSON.decode(Manifest.self, from: try blobs.read(digest), source: digest.description)
        } catch {
            result.differences.append("manifest blob \(digest) cannot be parsed: \(error)")
            return
        }
        var blobsIntact = true
        for (index, descriptor) in ([manifest.config] + manifest.layers).enumerated() {
            let what = index == 0 ? "config" : "layer \(index)/\(manifest.layers.count)"
            blobsIntact = checkBlob(descriptor, what: what, into: &result) && blobsIntact
        }

        let rootfs = rootfs(for: digest)
        guard FS.isDirectory(rootfs) else {
            result.differences.append("rootfs \(relative(rootfs)) is missing")
            return
        }
        do {
            if let recorded = record?.unpackRecord {
                try compareWithRecord(digest, recorded: recorded, into: &result)
            } else if record != nil {
                guard blobsIntact else {
                    result.notes.append("rootfs not compared: it has no unpack record and its layers do not match their digests")
                    return
                }
                try compareWithFreshUnpack(digest, manifest: manifest, into: &result)
            }
        } catch {
            result.differences.append("rootfs \(relative(rootfs)) cannot be checked: \(error)")
        }
    }

    /// Re-hashes one blob (streamed); false when it is missing or altered, which `result` then says.
    private func checkBlob(_ descriptor: Descriptor, what: String, into result: inout ImageCheck) -> Bool {
        let digest = descriptor.digest
        guard FS.exists(blobs.url(digest)) else {
            result.differences.append("\(what) blob \(digest) is missing from the store")
            return false
        }
        result.blobs += 1
        do {
            let actual = try blobs.hash(digest)
            guard actual.digest == digest else {
                result.differences.append("\(what) blob \(digest) does not match its digest (its content now hashes to \(actual.digest))")
                return false
            }
            if descriptor.size >= 0 && actual.size != descriptor.size {
                result.differences.append("\(what) blob \(digest) has \(actual.size) bytes, its descriptor says \(descriptor.size)")
                return false
            }
            return true
        } catch {
            result.differences.append("\(what) blob \(digest) cannot be read: \(error)")
            return false
        }
    }

    private func compareWithRecord(_ digest: Digest, recorded: Digest, into result: inout ImageCheck) throws(ImageError) {
        let file = unpackRecordURL(digest)
        guard FS.exists(file) else {
            result.differences.append("unpack record \(relative(file)) is missing")
            return
        }
        let data = try FS.read(file)
        guard Digest.of(data) == recorded else {
            result.differences.append("unpack record \(relative(file)) does not match the digest in the image record (\(recorded))")
            return
        }
        guard let entries = RootfsRecord.entries(data) else {
            result.differences.append("unpack record \(relative(file)) is malformed")
            return
        }
        try compare(rootfs(for: digest), with: entries, into: &result)
    }

    /// For a rootfs unpacked before records existed: unpack the layers again, privately, and compare.
    private func compareWithFreshUnpack(_ digest: Digest, manifest: Manifest, into result: inout ImageCheck) throws(ImageError) {
        result.notes.append(
            "no unpack record (unpacked by an older securerun): compared with a fresh unpack of its layers; import or pull it again to record it")
        try withWorkArea("check") { (work, _) throws(ImageError) in
            try FS.makeDirectories(rootfsDirectory)
            let fresh = work.temporary(in: rootfsDirectory, "fresh")
            let record = work.directory.appendingPathComponent("fresh.record")
            let layers = manifest.layers.map { (file: blobs.url($0.digest), name: $0.digest.description) }
            try LayerUnpacker(limits: limits).unpack(layers: layers, staging: fresh, record: record)
            guard let entries = RootfsRecord.entries(try FS.read(record)) else {
                throw .io(path: record.path, operation: "read fresh unpack record", errno: EIO)
            }
            try compare(rootfs(for: digest), with: entries, into: &result)
        }
    }

    /// Walks `rootfs` and names every difference from `recorded` (both in walk order).
    private func compare(_ rootfs: URL, with cursor: RootfsRecord.Cursor, into result: inout ImageCheck) throws(ImageError) {
        var recorded = cursor
        let root = try DirectoryFD(opening: rootfs)
        let parent = try DirectoryFD(opening: rootfsDirectory)
        guard try RootfsWalker.mountID(root.fd, path: rootfs.path) == RootfsWalker.mountID(parent.fd, path: rootfsDirectory.path) else {
            result.differences.append("rootfs \(relative(rootfs)) has another filesystem mounted on it; not checked")
            return
        }
        var differences: [String] = []
        var paths = 0
        try RootfsWalker(root: root, displayPath: rootfs.path).walk { (actual) throws(ImageError) in
            paths += 1
            while let entry = try recorded.current(), RootfsEntry.precedes(entry.components, actual.components) {
                differences.append("rootfs \(entry.displayPath): removed (was \(Self.describe(entry)))")
                recorded.advance()
            }
            if let entry = try recorded.current(), entry.components == actual.components {
                differences.append(contentsOf: Self.differences(entry, actual))
                recorded.advance()
            } else if !actual.mountPoint {
                differences.append("rootfs \(actual.displayPath): added (\(Self.describe(actual)))")
            }
            if actual.mountPoint {
                differences.append("rootfs \(actual.displayPath): another filesystem is mounted here; not checked below")
                while let entry = try recorded.current(), entry.components.starts(with: actual.components) { recorded.advance() }
            } else if actual.capabilities {
                differences.append("rootfs \(actual.displayPath): has file capabilities (security.capability), which an unpack never writes")
            }
        }
        while let entry = try recorded.current() {
            differences.append("rootfs \(entry.displayPath): removed (was \(Self.describe(entry)))")
            recorded.advance()
        }
        result.paths += paths
        result.differences += differences
    }

    private static func differences(_ recorded: RootfsEntry, _ actual: RootfsEntry) -> [String] {
        let path = "rootfs \(actual.displayPath)"
        guard recorded.kind == actual.kind else {
            return ["\(path): type changed from \(recorded.kind.rawValue) to \(actual.kind.rawValue)"]
        }
        var found: [String] = []
        if recorded.mode != actual.mode {
            var text = "\(path): mode changed from \(octal(recorded.mode)) to \(octal(actual.mode))"
            if actual.mode & 0o6000 != 0 { text += actual.mode & 0o4000 != 0 ? " (setuid)" : " (setgid)" }
            found.append(text)
        }
        if recorded.uid != actual.uid || recorded.gid != actual.gid {
            found.append("\(path): owner changed from \(recorded.uid):\(recorded.gid) to \(actual.uid):\(actual.gid)")
        }
        if recorded.size != actual.size {
            found.append("\(path): content changed (\(recorded.size) bytes, now \(actual.size))")
        } else if recorded.sha256 != actual.sha256 {
            found.append("\(path): content changed (sha256 \(recorded.sha256.prefix(12))…, now \(actual.sha256.prefix(12))…)")
        }
        if recorded.target != actual.target {
            found.append("\(path): symlink target changed from \(RootfsEntry.escape(recorded.target)) to \(RootfsEntry.escape(actual.target))")
        }
        return found
    }

    private static func describe(_ entry: RootfsEntry) -> String {
        var text = "\(entry.kind.rawValue) \(octal(entry.mode)) \(entry.uid):\(entry.gid)"
        if entry.kind == .file { text += ", \(entry.size) bytes" }
        if entry.kind == .symlink { text += " -> \(RootfsEntry.escape(entry.target))" }
        return text
    }

    private static func octal(_ mode: UInt32) -> String { RootfsEntry.octal(mode) }
}
