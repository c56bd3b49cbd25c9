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

    let cache: PrivateCache

    /// The cache of the state root `stateRoot`.
    public init(stateRoot: URL) {
        cache = PrivateCache(stateRoot: stateRoot, name: "profiles", maxBytes: Self.maxBytes)
    }

    /// Where the entries are.
    var directory: URL { cache.directory }

    /// The key of a profile text: nil when this executable cannot be identified (then nothing is cached).
    func key(for text: String) -> String? {
        guard let identity = PrivateCache.executableIdentity else { return nil }
        var hash = SHA256()
        hash.update(data: Array("securerun profile document \(Self.format) exe \(identity)\n".utf8))
        hash.update(data: Array(text.utf8))
        return HexText.encode(hash.finalize())
    }

    /// The document stored under `key`; nil for a miss or for anything unreadable (which is then read again).
    func document(for key: String) -> ProfileDocument? {
        guard let bytes = cache.read(key) else { return nil }
        return try? StrictJSONDecoder(limits: JSONLimits(maxBytes: Self.maxBytes, maxDepth: 16)).decode(ProfileDocument.self, from: bytes)
    }

    /// Stores `document` under `key` (atomically; a cache that cannot be written only makes the next start slower).
    func save(_ document: ProfileDocument, for key: String) {
        guard let data = try? JSONEncoder().encode(document) else { return }
        cache.write(Array(data), for: key)
    }
}
