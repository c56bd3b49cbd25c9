import ContentDigest
import Foundation
import HostSystem
import StrictJSON

/// What the gate learnt about one stored envelope, kept under `<root>/cache/attestations/` (root-only)
/// so an envelope is read, hashed and verified once per trusted key, not on every `run`: a bad or huge
/// envelope costs once. An entry applies only while the file has the size and modification time it had;
/// it records facts (which keys verify, what the verified payload says), never a verdict. The envelope
/// that decides a verdict is always read and verified again.
struct AttestationCache {
    /// Bumped whenever what is recorded, or how payloads are judged, changes.
    static let version = 1

    /// One envelope's facts.
    struct Record: Codable, Equatable {
        var version: Int
        var size: Int
        var modified: Double
        /// Why the file is not a usable envelope (any key would say the same), if it is not.
        var envelopeError: String?
        /// The signatures' keyid hints, for messages.
        var keyIDs: [String] = []
        /// Per trusted key (by keyID): whether a signature verifies with it.
        var keys: [String: KeyCheck] = [:]
        /// What the payload says, once a trusted key verified it.
        var payload: PayloadFacts?
    }

    /// How a verified payload stands, key-independently.
    struct PayloadFacts: Codable, Equatable {
        enum Standing: String, Codable {
            /// A vuln scan of this image that can be judged.
            case candidate
            /// Not about this image, or not a vuln scan: never counts.
            case ignored
            /// A vuln scan of this image that cannot be judged: refuses the image.
            case refuses
        }
        var standing: Standing
        var reason: String?
        var scanner: VulnScanner?
        var scanStartedOn: Double?
        var scanFinishedOn: Double?
    }

    let directory: URL

    init(root: URL) {
        directory = StateRoot(root).cache("attestations")
    }

    private func file(_ entry: StoredAttestation, digest: Digest) -> URL {
        directory.appendingPathComponent(digest.directoryName, isDirectory: true).appendingPathComponent(entry.envelopeHex + ".json")
    }

    /// The record for `entry`, if one was made for the file as it is now.
    func load(_ entry: StoredAttestation, digest: Digest) -> Record? {
        guard let data = Self.readSmallFile(file(entry, digest: digest).path),
            let record = try? StrictJSONDecoder(limits: JSONLimits(maxBytes: 1 << 20, maxDepth: 8)).decode(Record.self, from: data),
            record.version == Self.version, record.size == entry.size, record.modified == entry.storedAt.timeIntervalSince1970
        else { return nil }
        return record
    }

    /// Saves `record` (atomically; a cache that cannot be written only makes the next run slower).
    func save(_ record: Record, for entry: StoredAttestation, digest: Digest) {
        let target = file(entry, digest: digest)
        guard let data = try? JSONEncoder().encode(record),
            (try? AttestationStore.makePrivateDirectory(target.deletingLastPathComponent())) != nil
        else { return }
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".tmp-\(UUID().uuidString)")
        guard (try? KeyFiles.create(temporary, contents: data, mode: 0o600)) != nil else { return }
        if rename(temporary.path, target.path) != 0 { unlink(temporary.path) }
    }

    /// A regular file of at most 1 MiB, read without following links; nil for anything else.
    static func readSmallFile(_ path: String) -> Data? {
        (try? FileContents.readRegular(path, limit: 1 << 20)).map { Data($0) }
    }

    /// Forgets `entry`.
    func remove(_ entry: StoredAttestation, digest: Digest) {
        unlink(file(entry, digest: digest).path)
    }
}
