import Crypto
import Foundation
import HostSystem
import StrictJSON

/// Profile documents already read, by the SHA-256 of their text, under `<root>/cache/profiles/`
/// (root-only, like the rest of the store).
///
/// Reading a profile's YAML is the largest part of a start: Yams composes it twice (once for the bounds
/// and duplicate-key checks, once inside its decoder), compiles a regular expression through ICU, and
/// decodes through dynamic casts. The decoded document is a function of the text alone, so a hit skips
/// exactly that and nothing else: every field is validated again, and the seccomp file is read again, on
/// every load. The key also covers this executable (device, inode, size, modification time), so a new
/// securerun, whose checks may be stricter, never trusts what an older one decided.
public struct ProfileDocumentCache: Sendable {
    /// Bumped whenever what is stored changes shape.
    static let format = 1
    /// A cached document larger than this is not one securerun wrote.
    static let maxBytes = 1 << 20

    let directory: URL

    /// The cache of the state root `stateRoot`.
    public init(stateRoot: URL) {
        directory = stateRoot.appendingPathComponent("cache/profiles", isDirectory: true)
    }

    /// The key of a profile text: nil when this executable cannot be identified (then nothing is cached).
    func key(for text: String) -> String? {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return nil }
        var hash = SHA256()
        let identity = "securerun profile document \(Self.format) exe \(info.st_dev):\(info.st_ino):\(info.st_size):"
        hash.update(data: Array((identity + "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)\n").utf8))
        hash.update(data: Array(text.utf8))
        return HexText.encode(hash.finalize())
    }

    private func file(_ key: String) -> String { directory.appendingPathComponent(key + ".json").path }

    /// Whether `cache/` and `cache/profiles/` are this user's own directories, closed to everyone else (not
    /// symlinks): otherwise the cache is neither read nor written.
    private var directoriesAreOwn: Bool {
        [directory.deletingLastPathComponent(), directory].allSatisfy { url in
            var info = stat()
            return lstat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR && info.st_uid == geteuid() && info.st_mode & 0o077 == 0
        }
    }

    /// The document stored under `key`; nil for a miss or for anything unreadable (which is then read again).
    /// Only a regular file is read: not through a symlink, and never blocking on a FIFO.
    func document(for key: String) -> ProfileDocument? {
        guard directoriesAreOwn else { return nil }
        let fd = open(file(key), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
            let bytes = try? FileContents.read(fd: fd, path: file(key), limit: Self.maxBytes)
        else { return nil }
        return try? StrictJSONDecoder(limits: JSONLimits(maxBytes: Self.maxBytes, maxDepth: 16)).decode(ProfileDocument.self, from: bytes)
    }

    /// Stores `document` under `key` (atomically; a cache that cannot be written only makes the next start slower).
    func save(_ document: ProfileDocument, for key: String) {
        guard let data = try? JSONEncoder().encode(document) else { return }
        _ = mkdir(directory.deletingLastPathComponent().path, 0o700)
        _ = mkdir(directory.path, 0o700)
        guard directoriesAreOwn else { return }
        try? AtomicFile.write(Array(data), to: file(key), durable: false)
    }
}
