import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Content-addressed blobs at `<root>/blobs/sha256/<hex>`; every blob is verified before it is stored.
struct BlobStore {
    let directory: URL

    init(root: URL) {
        directory = root.appendingPathComponent("blobs/sha256", isDirectory: true)
    }

    func url(_ digest: Digest) -> URL { directory.appendingPathComponent(digest.hex) }

    func has(_ digest: Digest) -> Bool { FS.exists(url(digest)) }

    /// Reads a blob and checks it still hashes to its name.
    func read(_ digest: Digest) throws(ImageError) -> Data {
        let data = try FS.read(url(digest))
        let actual = Digest.of(data)
        guard actual == digest else {
            throw .digestMismatch(what: "stored blob \(url(digest).path)", expected: digest.description, actual: actual.description)
        }
        return data
    }

    /// Stores `data` under its digest (atomically); returns the digest.
    func put(_ data: Data, transaction: ImportTransaction) throws(ImageError) -> Digest {
        let digest = Digest.of(data)
        if has(digest) { return digest }
        try FS.makeDirectories(directory)
        try FS.writeAtomically(data, to: url(digest))
        transaction.created(url(digest))
        return digest
    }

    /// Copies (or, for our own work files, moves) `file` into the store after checking it against
    /// `expected` (digest and size) when given. The copy is hashed, not the source, so a source
    /// changing underneath cannot slip unverified bytes in.
    func ingest(file: URL, expected: Descriptor?, what: String, move: Bool, transaction: ImportTransaction) throws(ImageError) -> (digest: Digest, size: Int64)
    {
        try FS.makeDirectories(directory)
        let temp = directory.appendingPathComponent(".tmp-\(FS.randomSuffix())")
        if move {
            try FS.check(rename(file.path, temp.path), "move into store", file.path)
        } else {
            try copyFile(file, to: temp)
        }
        do throws(ImageError) {
            var hasher = HashingCounter()
            try readFileBlocks(temp) { buffer in hasher.update(buffer) }
            let digest = hasher.finalize()
            if let expected {
                guard digest == expected.digest else {
                    throw .digestMismatch(what: what, expected: expected.digest.description, actual: digest.description)
                }
                guard hasher.count == expected.size else {
                    throw .sizeMismatch(what: what, expected: expected.size, actual: hasher.count)
                }
            }
            if has(digest) {
                unlink(temp.path)
            } else {
                try FS.check(rename(temp.path, url(digest).path), "rename into place", url(digest).path)
                transaction.created(url(digest))
            }
            return (digest, hasher.count)
        } catch {
            unlink(temp.path)
            throw error
        }
    }

    private func copyFile(_ source: URL, to destination: URL) throws(ImageError) {
        let out = try FS.check(open(destination.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644), "create", destination.path)
        defer { close(out) }
        do throws(ImageError) {
            try readFileBlocks(source) { (buffer) throws(ImageError) in
                var offset = 0
                while offset < buffer.count {
                    guard let base = buffer.baseAddress else { return }
                    let written = write(out, base + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw .io(path: destination.path, operation: "write", errno: errno)
                    }
                    offset += written
                }
            }
        } catch {
            unlink(destination.path)
            throw error
        }
    }
}

/// Remembers what an import created so a failure can remove exactly that and nothing already stored.
final class ImportTransaction {
    private var createdPaths: [URL] = []

    func created(_ url: URL) { createdPaths.append(url) }

    func rollback() {
        for url in createdPaths.reversed() { FS.removeTree(url) }
        createdPaths.removeAll()
    }
}

/// An exclusive lock on the store (`<root>/.lock`), held while an import or removal changes it.
final class StoreLock {
    private let fd: Int32

    init(root: URL) throws(ImageError) {
        try FS.makeDirectories(root)
        let path = root.appendingPathComponent(".lock").path
        fd = try FS.check(open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600), "open lock", path)
        do throws(ImageError) {
            try FS.check(flock(fd, LOCK_EX), "lock", path)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }
}
