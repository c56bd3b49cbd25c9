import Foundation

/// Key files on disk: writing a new key pair, and trusting a public key in the state root.
public enum KeyFiles {
    /// Writes `PREFIX.key` (PKCS#8 PEM, mode 0600) and `PREFIX.pub` (SubjectPublicKeyInfo PEM, mode 0644),
    /// refusing to overwrite either. Returns both paths.
    public static func write(_ key: SigningKey, prefix: String) throws -> (privateKey: URL, publicKey: URL) {
        let privateFile = URL(fileURLWithPath: prefix + ".key")
        let publicFile = URL(fileURLWithPath: prefix + ".pub")
        for file in [privateFile, publicFile] where FileManager.default.fileExists(atPath: file.path) {
            throw AdmissionError.fileExists(path: file.path)
        }
        try create(privateFile, contents: Data(key.pemRepresentation.utf8), mode: 0o600)
        do {
            try create(publicFile, contents: Data(key.publicKey.pemRepresentation.utf8), mode: 0o644)
        } catch {
            try? FileManager.default.removeItem(at: privateFile)
            throw error
        }
        return (privateFile, publicFile)
    }

    /// Reads a private key file.
    public static func readSigningKey(_ path: String) throws -> SigningKey {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AdmissionError.io(path: path, operation: "read key", detail: IOText.describe(error))
        }
        return try SigningKey(pem: text, source: path)
    }

    /// Copies a PEM public key into `<root>/trusted-keys/` after checking it parses. The file keeps its
    /// name (with `.pub` added if it has neither `.pub` nor `.pem`); trusting the same key twice is a no-op,
    /// and a different key under a taken name is refused. Returns the trusted copy.
    @discardableResult
    public static func trust(publicKeyFile path: String, stateRoot: URL) throws -> URL {
        let key = try TrustedKey.load(file: URL(fileURLWithPath: path)).key
        let directory = stateRoot.appendingPathComponent("trusted-keys", isDirectory: true)
        let existing = TrustedKey.load(paths: FileManager.default.fileExists(atPath: directory.path) ? [directory.path] : [])
        if let same = existing.keys.first(where: { $0.key == key }) { return URL(fileURLWithPath: same.name) }
        var name = URL(fileURLWithPath: path).lastPathComponent
        if !name.hasSuffix(".pub") && !name.hasSuffix(".pem") { name += ".pub" }
        let destination = directory.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw AdmissionError.io(path: directory.path, operation: "create directory", detail: IOText.describe(error))
        }
        try create(destination, contents: Data(key.pemRepresentation.utf8), mode: 0o644)
        return destination
    }

    /// Creates `file` exclusively (O_EXCL: never follows or replaces an existing file) with `mode`.
    static func create(_ file: URL, contents: Data, mode: mode_t) throws {
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw AdmissionError.fileExists(path: file.path) }
            throw AdmissionError.io(path: file.path, operation: "create", detail: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        // The umask may have narrowed the mode; set it exactly.
        _ = fchmod(descriptor, mode)
        let written = contents.withUnsafeBytes { buffer in
            buffer.baseAddress.map { Foundation.write(descriptor, $0, buffer.count) } ?? 0
        }
        guard written == contents.count else {
            let detail = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: file)
            throw AdmissionError.io(path: file.path, operation: "write", detail: detail)
        }
    }
}
