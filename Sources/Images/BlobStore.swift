import ContentDigest
import Foundation
import HostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Content-addressed blobs at `<root>/blobs/sha256/<hex>` (files 0600); every blob is verified before it
/// is stored (see `StagedBlobs`).
package struct BlobStore {
    let directory: URL

    init(root: URL) {
        directory = StateRoot(root).blobs
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

    /// The digest and size of a stored blob's bytes as they are now, streamed.
    func hash(_ digest: Digest) throws(ImageError) -> (digest: Digest, size: Int64) {
        var hasher = HashingCounter()
        try readFileBlocks(url(digest)) { buffer in hasher.update(buffer) }
        return (hasher.finalize(), hasher.count)
    }
}

/// The blobs of one import or pull, verified and kept in its work area until `commit` moves them into
/// the store under the store lock: until then nothing of the import is visible in the store, and a
/// concurrent `image rm` cannot delete a blob the import is about to name.
package final class StagedBlobs {
    package let work: WorkArea
    package let store: BlobStore
    private var staged: [Digest: URL] = [:]
    private var fromSource: [String: (Digest, Int64)] = [:]
    private var directory: URL { work.directory.appendingPathComponent("blobs", isDirectory: true) }

    package init(work: WorkArea, store: BlobStore) throws(ImageError) {
        self.work = work
        self.store = store
        try FS.makeDirectories(work.directory.appendingPathComponent("blobs", isDirectory: true))
    }

    /// The staged file of `digest`, if staged.
    package func url(_ digest: Digest) -> URL? { staged[digest] }

    /// Whether `digest` is staged.
    package func has(_ digest: Digest) -> Bool { staged[digest] != nil }

    /// Reads a staged blob (already verified).
    package func read(_ digest: Digest) throws(ImageError) -> Data {
        guard let url = staged[digest] else {
            throw .invalidImage(source: digest.description, reason: "blob is not part of this import")
        }
        return try FS.read(url)
    }

    /// Stages a blob the store already has by hard-linking it (the link keeps the bytes even if the store's
    /// name is removed meanwhile); false when the store does not have it.
    package func linkExisting(_ descriptor: Descriptor) -> Bool {
        if staged[descriptor.digest] != nil { return true }
        let destination = directory.appendingPathComponent(descriptor.digest.hex)
        guard link(store.url(descriptor.digest).path, destination.path) == 0 else { return false }
        var info = stat()
        guard stat(destination.path, &info) == 0, Int64(info.st_size) == descriptor.size else {
            unlink(destination.path)
            return false
        }
        staged[descriptor.digest] = destination
        return true
    }

    /// Stages `data` (a manifest or config written by securerun or already checked); returns its digest.
    @discardableResult
    package func put(_ data: Data) throws(ImageError) -> Digest {
        let digest = Digest.of(data)
        if staged[digest] != nil { return digest }
        let destination = directory.appendingPathComponent(digest.hex)
        try FS.writeAtomically(data, to: destination, temporaryName: ".partial-\(FS.randomSuffix())")
        staged[digest] = destination
        return digest
    }

    /// Stages `file` after checking it against `expected` (digest and size) when given.
    ///
    /// `owned` files are securerun's own work files: they are moved and then hashed. Anything else is
    /// copied, and the bytes are hashed as they are written, so a source that changes underneath cannot
    /// slip unverified bytes in. Copying stops past `expected.size`, or past `maxBytes` without a descriptor.
    package func stage(file: URL, expected: Descriptor?, what: String, owned: Bool, maxBytes: Int64) throws(ImageError) -> (digest: Digest, size: Int64) {
        if let known = fromSource[file.path] { return known }
        if let expected, linkExisting(expected) { return (expected.digest, expected.size) }
        let temp = directory.appendingPathComponent(".partial-\(FS.randomSuffix())")
        let limit = expected?.size ?? maxBytes
        var hasher = HashingCounter()
        do throws(ImageError) {
            if owned {
                try FS.check(rename(file.path, temp.path), "move into the work area", file.path)
                try readFileBlocks(temp) { (buffer) throws(ImageError) in
                    hasher.update(buffer)
                    if hasher.count > limit { throw Self.tooLarge(what: what, expected: expected, limit: limit) }
                }
            } else {
                try copy(file, to: temp, hasher: &hasher, what: what, expected: expected, limit: limit)
            }
            let digest = hasher.finalize()
            if let expected {
                guard digest == expected.digest else {
                    throw .digestMismatch(what: what, expected: expected.digest.description, actual: digest.description)
                }
                guard hasher.count == expected.size else {
                    throw .sizeMismatch(what: what, expected: expected.size, actual: hasher.count)
                }
            }
            if staged[digest] != nil {
                unlink(temp.path)
            } else {
                let destination = directory.appendingPathComponent(digest.hex)
                try FS.check(rename(temp.path, destination.path), "rename", destination.path)
                staged[digest] = destination
            }
            fromSource[file.path] = (digest, hasher.count)
            return (digest, hasher.count)
        } catch {
            unlink(temp.path)
            throw error
        }
    }

    private static func tooLarge(what: String, expected: Descriptor?, limit: Int64) -> ImageError {
        if let expected {
            return .sizeMismatch(what: what, expected: expected.size, actual: limit + 1)
        }
        return .limitExceeded(
            layer: what, limit: .imageBytes,
            detail: "it is larger than \(UnpackBudget.format(limit)) (store.maxUnpackedSize \(UnpackBudget.format(limit)))")
    }

    private func copy(
        _ source: URL, to destination: URL, hasher: inout HashingCounter, what: String, expected: Descriptor?, limit: Int64
    ) throws(ImageError) {
        let out = try FS.check(open(destination.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, FS.fileMode), "create", destination.path)
        defer { close(out) }
        try readFileBlocks(source) { (buffer) throws(ImageError) in
            hasher.update(buffer)
            if hasher.count > limit { throw Self.tooLarge(what: what, expected: expected, limit: limit) }
            try FS.writeAll(out, buffer, path: destination.path)
        }
    }

    /// Under the store lock: moves every staged blob the store lacks into it, recording each in `transaction`.
    package func commit(_ digests: [Digest], transaction: ImportTransaction) throws(ImageError) {
        try FS.makeDirectories(store.directory)
        for digest in Set(digests).sorted() where !store.has(digest) {
            guard let file = staged[digest] else {
                throw .invalidImage(source: digest.description, reason: "blob is neither in the store nor in this import")
            }
            try FS.check(rename(file.path, store.url(digest).path), "move into the store", store.url(digest).path)
            transaction.created(store.url(digest))
        }
    }
}

/// Remembers what a commit created so a failure can remove exactly that and nothing already stored.
package final class ImportTransaction {
    private enum Step {
        case created(URL)
        case moved(from: URL, to: URL)
    }

    private var steps: [Step] = []

    func created(_ url: URL) { steps.append(.created(url)) }

    func moved(from: URL, to: URL) { steps.append(.moved(from: from, to: to)) }

    func rollback() {
        for step in steps.reversed() {
            switch step {
            case .created(let url): FS.removeTree(url)
            case .moved(let from, let to): rename(to.path, from.path)
            }
        }
        steps.removeAll()
    }
}

/// A lock on the whole store (`<root>/.lock`): exclusive while a commit or removal changes what is stored
/// (short: the slow work happens before, in the operation's work area), shared while a listing reads it.
final class StoreLock {
    private let lock: LockFile

    /// Waits for the lock.
    init(root: URL, exclusive: Bool = true) throws(ImageError) {
        try FS.makeDirectories(root)
        let path = root.appendingPathComponent(".lock").path
        guard let lock = try LockFile.acquire(path, exclusive: exclusive, wait: true, create: true) else {
            throw .io(path: path, operation: "lock", errno: EAGAIN)
        }
        self.lock = lock
    }

    private init(lock: LockFile) { self.lock = lock }

    /// The exclusive lock if nobody holds the store lock now, else nil (never waits).
    static func tryExclusive(root: URL) throws(ImageError) -> StoreLock? {
        guard FS.exists(root) else { return nil }
        return try LockFile.acquire(root.appendingPathComponent(".lock").path, exclusive: true, wait: false, create: true).map(StoreLock.init(lock:))
    }

    /// Releases the lock now (it is also released when the value goes away).
    func release() { lock.release() }
}

/// The lock that one image's rootfs is unpacked, replaced or removed under: `<root>/tmp/rootfs-<hex>.lock`.
/// Twenty imports of the same image unpack it once; imports of different images unpack in parallel.
enum RootfsLock {
    static func path(root: URL, digest: Digest) -> String {
        root.appendingPathComponent("tmp/rootfs-\(digest.hex).lock").path
    }

    /// Waits for the lock of `digest`'s rootfs.
    static func acquire(root: URL, digest: Digest) throws(ImageError) -> LockFile {
        try FS.makeDirectories(root.appendingPathComponent("tmp", isDirectory: true))
        guard let lock = try LockFile.acquire(path(root: root, digest: digest), wait: true, create: true) else {
            throw .io(path: path(root: root, digest: digest), operation: "lock", errno: EAGAIN)
        }
        return lock
    }
}

/// A shared hold on the store, from the moment a run resolves an image until its container has claimed
/// it: `image rm` needs the store lock exclusively to check which containers use an image, so it cannot
/// slip between the admission of an image and the container that runs it.
public final class ImageUseLock: @unchecked Sendable {
    private let lock: StoreLock

    init(lock: StoreLock) { self.lock = lock }

    /// Lets go of the hold (also when the value goes away).
    public func release() { lock.release() }
}

extension ImageStore {
    /// Waits for a shared hold on the store (see ``ImageUseLock``).
    public func holdForUse() throws(ImageError) -> ImageUseLock {
        ImageUseLock(lock: try StoreLock(root: root, exclusive: false))
    }
}
