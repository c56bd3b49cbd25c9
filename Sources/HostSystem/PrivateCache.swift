import Foundation

/// A directory of small files under the state root's `cache/`, each named by a key, that only this user
/// may read or write: the profile document cache and the admission verdict cache both keep their entries
/// here, so the checks that make an entry trustworthy live once.
///
/// Nothing is read or written unless `cache/` and the directory are this user's own directories, closed
/// to everyone else, and not symlinks; an entry is read only when it is a regular file (not through a
/// link, never blocking on a FIFO) of at most `maxBytes`. A cache that cannot be read or written only
/// makes the next start slower.
public struct PrivateCache: Sendable {
    /// `<root>/cache/<name>`.
    public let directory: URL
    /// A larger entry is not one securerun wrote.
    public let maxBytes: Int

    /// The cache `name` of the state root `stateRoot`.
    public init(stateRoot: URL, name: String, maxBytes: Int) {
        directory = StateRoot(stateRoot).cache(name)
        self.maxBytes = maxBytes
    }

    /// This executable's identity (device, inode, size, modification time), for keys: a new securerun,
    /// whose checks may be stricter, never trusts what an older one decided. Nil when it cannot be read
    /// (then nothing should be cached).
    public static var executableIdentity: String? {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return nil }
        return "\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }

    private func path(_ key: String) -> String { directory.appendingPathComponent(key + ".json").path }

    private var directoriesAreOwn: Bool {
        [directory.deletingLastPathComponent(), directory].allSatisfy { url in
            var info = stat()
            return lstat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR && info.st_uid == geteuid() && info.st_mode & 0o077 == 0
        }
    }

    /// The entry stored under `key`, or nil (a miss, or anything that is not a trustworthy entry).
    public func read(_ key: String) -> [UInt8]? {
        guard directoriesAreOwn else { return nil }
        return try? FileContents.readRegular(path(key), limit: maxBytes)
    }

    /// Stores `bytes` under `key`, atomically.
    public func write(_ bytes: [UInt8], for key: String) {
        _ = mkdir(directory.deletingLastPathComponent().path, 0o700)
        _ = mkdir(directory.path, 0o700)
        guard directoriesAreOwn else { return }
        try? AtomicFile.write(bytes, to: path(key), durable: false)
    }

    /// Forgets the entry under `key`.
    public func remove(_ key: String) {
        _ = unlink(path(key))
    }
}
