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

    /// The document stored under `key`; nil for a miss or for anything unreadable (which is then read again).
    func document(for key: String) -> ProfileDocument? {
        guard let bytes = try? FileContents.read(file(key), limit: Self.maxBytes) else { return nil }
        return try? StrictJSONDecoder(limits: JSONLimits(maxBytes: Self.maxBytes, maxDepth: 16)).decode(ProfileDocument.self, from: bytes)
    }

    /// Stores `document` under `key` (atomically; a cache that cannot be written only makes the next start slower).
    func save(_ document: ProfileDocument, for key: String) {
        guard let data = try? JSONEncoder().encode(document) else { return }
        guard mkdir(directory.deletingLastPathComponent().path, 0o700) == 0 || errno == EEXIST,
            mkdir(directory.path, 0o700) == 0 || errno == EEXIST
        else { return }
        try? AtomicFile.write(Array(data), to: file(key), durable: false)
    }
}
