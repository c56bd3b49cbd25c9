import ContentDigest
import Crypto
import Foundation
import HostSystem

/// One envelope file in the attestation store, as `lstat` found it.
public struct StoredAttestation: Sendable, Equatable {
    /// The file, `<root>/attestations/sha256-<image hex>/<envelope hex>.json`.
    public var file: URL
    /// The SHA-256 of the envelope bytes the file was stored under (its name without `.json`).
    public var envelopeHex: String
    /// Its size in bytes.
    public var size: Int
    /// When securerun stored it: the file's modification time, set once when it is written (nothing
    /// rewrites a stored envelope). A scan is never taken to be newer than this moment.
    public var storedAt: Date
    /// Whether it is a regular file (anything else is never read).
    public var isRegularFile: Bool

    /// `attestation <name>`, how verdicts and errors name it.
    public var source: String { "attestation \(file.lastPathComponent)" }
}

/// Attestations kept beside images: `<root>/attestations/sha256-<hex>/<sha256 of envelope bytes>.json`,
/// root-only (directories 0700, files 0600). At most `AttestationLimits.maxPerImage` per image and
/// `AttestationLimits.maxEnvelopeBytes` each.
public struct AttestationStore: Sendable {
    /// The securerun state root.
    public let root: URL

    /// A store under `root`.
    public init(root: URL) {
        self.root = root
    }

    /// The directory holding the attestations of `digest`.
    public func directory(for digest: ContentDigest.Digest) -> URL {
        StateRoot(root).attestations
            .appendingPathComponent(digest.directoryName, isDirectory: true)
    }

    /// The file the envelope `bytes` is (or would be) stored as.
    public func file(for envelope: Data, digest: ContentDigest.Digest) -> URL {
        directory(for: digest).appendingPathComponent(Self.hex(SHA256.hash(data: envelope)) + ".json")
    }

    /// Stores envelope bytes as they are (no re-serialisation), atomically: write a temporary file in the
    /// same directory, then rename. Storing the same bytes twice is a no-op. Refuses an envelope over the
    /// size limit, and a new one when the image already has the most attestations it may keep.
    @discardableResult
    public func add(envelope: Data, for digest: ContentDigest.Digest) throws -> URL {
        let file = file(for: envelope, digest: digest)
        if FileManager.default.fileExists(atPath: file.path) { return file }
        guard envelope.count <= AttestationLimits.maxEnvelopeBytes else {
            throw AdmissionError.attestationTooLarge(source: file.lastPathComponent, bytes: envelope.count, limit: AttestationLimits.maxEnvelopeBytes)
        }
        let existing = entries(for: digest).count
        guard existing < AttestationLimits.maxPerImage else {
            throw AdmissionError.tooManyAttestations(image: digest.description, count: existing, limit: AttestationLimits.maxPerImage)
        }
        let directory = directory(for: digest)
        try Self.makePrivateDirectory(directory.deletingLastPathComponent())
        try Self.makePrivateDirectory(directory)
        let temporary = directory.appendingPathComponent(".tmp-\(UUID().uuidString)")
        try KeyFiles.create(temporary, contents: envelope, mode: 0o600)
        guard rename(temporary.path, file.path) == 0 else {
            let detail = String(cString: strerror(errno))
            unlink(temporary.path)
            throw AdmissionError.io(path: file.path, operation: "rename into place", detail: detail)
        }
        return file
    }

    /// The stored attestations of `digest`, sorted by name; empty when there are none. Links and other
    /// non-regular files are listed (so they can be reported and removed) but never read.
    public func entries(for digest: ContentDigest.Digest) -> [StoredAttestation] {
        let directory = directory(for: digest)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().compactMap { name in
            let file = directory.appendingPathComponent(name)
            var info = stat()
            guard lstat(file.path, &info) == 0 else { return nil }
            let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            return StoredAttestation(
                file: file, envelopeHex: String(name.dropLast(".json".count)), size: Int(info.st_size),
                storedAt: Date(timeIntervalSince1970: modified), isRegularFile: (info.st_mode & S_IFMT) == S_IFREG)
        }
    }

    /// The stored attestation files of `digest`, sorted by name.
    public func files(for digest: ContentDigest.Digest) -> [URL] {
        entries(for: digest).map(\.file)
    }

    /// Reads a stored envelope without following links, to EOF, refusing one over the gate's limit.
    public func read(_ entry: StoredAttestation) throws -> Data {
        let limit = AttestationLimits.maxStoredEnvelopeBytes
        do { return Data(try FileContents.readRegular(entry.file.path, limit: limit)) } catch {
            switch error {
            case .notRegular:
                throw AdmissionError.io(path: entry.file.path, operation: "read attestation", detail: "not a regular file")
            case .tooLarge(let bytes):
                throw AdmissionError.attestationTooLarge(source: entry.file.lastPathComponent, bytes: bytes, limit: limit)
            case .system(let cause):
                throw AdmissionError.io(path: entry.file.path, operation: "\(cause.call) attestation", detail: cause.reason)
            }
        }
    }

    /// A stored envelope of `digest` whose payload is exactly `payload` and which `key` signed, if any: the
    /// same report attested twice by the same key is stored once.
    public func find(payload: Data, signedBy key: PublicKey, for digest: ContentDigest.Digest) -> StoredAttestation? {
        let trusted = [TrustedKey(name: "signer", key: key)]
        return entries(for: digest).first { entry in
            guard entry.isRegularFile, let data = try? read(entry), let envelope = try? DSSEEnvelope.parse(data, source: entry.source),
                (try? envelope.payloadBytes(source: entry.source)) == payload
            else { return false }
            return envelope.check(keys: trusted, payload: payload)[key.keyID] == .valid
        }
    }

    /// The stored attestation `selector` names: its file name, the hex it is stored under, or a prefix of
    /// at least 6 hex digits of it.
    public func entry(_ selector: String, for digest: ContentDigest.Digest) throws -> StoredAttestation {
        var wanted = URL(fileURLWithPath: selector).lastPathComponent.lowercased()
        if wanted.hasSuffix(".json") { wanted = String(wanted.dropLast(".json".count)) }
        if wanted.hasPrefix("sha256:") { wanted = String(wanted.dropFirst("sha256:".count)) }
        let all = entries(for: digest)
        let matches = all.filter { $0.envelopeHex == wanted || (wanted.count >= 6 && $0.envelopeHex.hasPrefix(wanted)) }
        guard let match = matches.first else {
            throw AdmissionError.notFound(
                what: "attestation '\(selector)' for \(digest)",
                detail: all.isEmpty ? "the image has none" : "'securerun image attestation ls' lists its \(all.count)")
        }
        guard matches.count == 1 else { throw AdmissionError.ambiguous(what: selector, matches: matches.map(\.envelopeHex)) }
        return match
    }

    /// Removes one stored attestation (and its cached checks).
    public func remove(_ entry: StoredAttestation, for digest: ContentDigest.Digest) throws {
        guard unlink(entry.file.path) == 0 || errno == ENOENT else {
            throw AdmissionError.io(path: entry.file.path, operation: "remove", detail: String(cString: strerror(errno)))
        }
        AttestationCache(root: root).remove(entry, digest: digest)
    }

    /// Creates `directory` as 0700 (and any missing parents the same way), and narrows it to 0700 if it
    /// exists. Existing parents are left as they are.
    static func makePrivateDirectory(_ directory: URL, tighten: Bool = true) throws {
        let path = directory.path
        if mkdir(path, 0o700) == 0 { return }
        switch errno {
        case EEXIST:
            if tighten { _ = chmod(path, 0o700) }
        case ENOENT where path != "/":
            try makePrivateDirectory(directory.deletingLastPathComponent(), tighten: false)
            try makePrivateDirectory(directory, tighten: tighten)
        default:
            throw AdmissionError.io(path: path, operation: "create directory", detail: String(cString: strerror(errno)))
        }
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        HexText.encode(digest)
    }
}
