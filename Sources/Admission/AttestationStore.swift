import Crypto
import Foundation

/// Attestations kept beside images: `<root>/attestations/sha256-<hex>/<sha256 of envelope bytes>.json`.
public struct AttestationStore: Sendable {
    /// The securerun state root.
    public let root: URL

    /// A store under `root`.
    public init(root: URL) {
        self.root = root
    }

    /// The directory holding the attestations of `digest`.
    public func directory(for digest: ImageDigest) -> URL {
        root.appendingPathComponent("attestations", isDirectory: true)
            .appendingPathComponent(digest.directoryName, isDirectory: true)
    }

    /// Stores envelope bytes as they are (no re-serialisation), atomically: write a temporary file in the
    /// same directory, then rename. Storing the same bytes twice is a no-op. Returns the file.
    @discardableResult
    public func add(envelope: Data, for digest: ImageDigest) throws -> URL {
        let directory = directory(for: digest)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw AdmissionError.io(path: directory.path, operation: "create directory", detail: IOText.describe(error))
        }
        let name = SHA256.hash(data: envelope).map { String(format: "%02x", $0) }.joined() + ".json"
        let file = directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: file.path) { return file }
        let temporary = directory.appendingPathComponent(".tmp-\(UUID().uuidString)")
        do {
            try envelope.write(to: temporary)
        } catch {
            throw AdmissionError.io(path: temporary.path, operation: "write", detail: IOText.describe(error))
        }
        guard rename(temporary.path, file.path) == 0 else {
            let detail = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw AdmissionError.io(path: file.path, operation: "rename into place", detail: detail)
        }
        return file
    }

    /// The stored attestation files of `digest`, sorted by name; empty when there are none.
    public func files(for digest: ImageDigest) -> [URL] {
        let directory = directory(for: digest)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }
}
