import Foundation
import HostSystem

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

    /// Copies a PEM public key into `<root>/trusted-keys/` after checking it parses, as `name` (default: the
    /// file's own name; `.pub` is added when it has neither `.pub` nor `.pem`). Trusting the same key twice
    /// is a no-op that returns the existing copy; a different key under a taken name is refused (every
    /// cosign key is called `cosign.pub`: give it a `name`). Returns the trusted copy and whether it is new.
    @discardableResult
    public static func trust(publicKeyFile path: String, stateRoot: URL, name: String? = nil) throws -> (file: URL, added: Bool) {
        let key = try TrustedKey.load(file: URL(fileURLWithPath: path)).key
        let directory = trustedKeysDirectory(stateRoot)
        let existing = TrustedKey.load(paths: FileManager.default.fileExists(atPath: directory.path) ? [directory.path] : [])
        if let same = existing.keys.first(where: { $0.key == key }) { return (URL(fileURLWithPath: same.name), false) }
        var fileName = try validName(name ?? URL(fileURLWithPath: path).lastPathComponent)
        if !fileName.hasSuffix(".pub") && !fileName.hasSuffix(".pem") { fileName += ".pub" }
        let destination = directory.appendingPathComponent(fileName)
        if FileManager.default.fileExists(atPath: destination.path) {
            throw AdmissionError.invalidKeyName(
                name: fileName, reason: "a different key is already trusted under that name; choose another with --name NAME")
        }
        try AttestationStore.makePrivateDirectory(directory)
        try create(destination, contents: Data(key.pemRepresentation.utf8), mode: 0o644)
        return (destination, true)
    }

    /// A key trusted on this host, and whether `key rm` can remove it (keys a profile names are the
    /// profile's to change).
    public struct Listed: Sendable, Equatable {
        /// The key and its file.
        public var key: TrustedKey
        /// True for keys in `<root>/trusted-keys`.
        public var removable: Bool
    }

    /// The keys `securerun key trust` added, then those `policy` names, each once; and unreadable ones.
    public static func list(stateRoot: URL, policy: AdmissionPolicy) -> (keys: [Listed], problems: [String]) {
        let directory = trustedKeysDirectory(stateRoot)
        let own = TrustedKey.load(paths: FileManager.default.fileExists(atPath: directory.path) ? [directory.path] : [])
        let named = TrustedKey.load(paths: policy.trustedKeys)
        var listed = own.keys.map { Listed(key: $0, removable: true) }
        for key in named.keys where !listed.contains(where: { $0.key.key == key.key }) {
            listed.append(Listed(key: key, removable: false))
        }
        return (listed, own.problems + named.problems)
    }

    /// Removes the key `selector` names (its file name, with or without `.pub`/`.pem`, or a keyid prefix
    /// of at least 8 hex digits) from `<root>/trusted-keys`; returns it.
    @discardableResult
    public static func remove(_ selector: String, stateRoot: URL, policy: AdmissionPolicy = AdmissionPolicy()) throws -> TrustedKey {
        let (listed, _) = list(stateRoot: stateRoot, policy: policy)
        let lowered = selector.lowercased()
        let matches = listed.filter { entry in
            let file = URL(fileURLWithPath: entry.key.name).lastPathComponent
            return file == selector || file == selector + ".pub" || file == selector + ".pem"
                || (lowered.count >= 8 && lowered.allSatisfy(\.isHexDigit) && entry.key.key.keyID.hasPrefix(lowered))
        }
        guard let match = matches.first else {
            throw AdmissionError.notFound(what: "trusted key '\(selector)'", detail: "'securerun key ls' lists the trusted keys")
        }
        guard matches.count == 1 else { throw AdmissionError.ambiguous(what: selector, matches: matches.map(\.key.name)) }
        guard match.removable else {
            throw AdmissionError.notFound(
                what: "key '\(selector)' in \(trustedKeysDirectory(stateRoot).path)",
                detail: "\(match.key.name) is trusted because the profile lists it in admission.trustedKeys; remove it there")
        }
        guard unlink(match.key.name) == 0 else {
            throw AdmissionError.io(path: match.key.name, operation: "remove", detail: String(cString: strerror(errno)))
        }
        return match.key
    }

    static func trustedKeysDirectory(_ stateRoot: URL) -> URL {
        StateRoot(stateRoot).trustedKeys
    }

    /// A key file name: letters, digits, `.`, `_` and `-`, not starting with a dot, at most 64 characters.
    static func validName(_ name: String) throws -> String {
        guard !name.isEmpty, name.count <= 64 else { throw AdmissionError.invalidKeyName(name: name, reason: "give 1 to 64 characters") }
        guard !name.hasPrefix("."), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw AdmissionError.invalidKeyName(name: name, reason: "use letters, digits, '.', '_' and '-' only, not starting with '.'")
        }
        return name
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
