import Admission
import Capabilities
import ContentDigest
import Foundation
import Glibc
import HostSystem
import Images
import Seccomp
import Yams

/// Finds profiles by name or path, reads them, and validates them into `Profile` values.
public enum ProfileLoader {
    /// Directories searched for `--profile NAME`, in order: the administrator's, then the shipped ones.
    public static func searchDirectories() -> [URL] {
        var dirs = [URL(fileURLWithPath: "/etc/securerun/profiles", isDirectory: true)]
        if let custom = ProcessInfo.processInfo.environment["SECURERUN_PROFILES_DIR"], !custom.isEmpty {
            dirs.insert(URL(fileURLWithPath: custom, isDirectory: true), at: 0)
        }
        dirs.append(contentsOf: shippedDirectories())
        return dirs
    }

    /// The profile a command runs under: `flag` (its `--profile`) when given, else `$SECURERUN_PROFILE`
    /// when set and not empty, else nil (`default`). Every command that takes `--profile` asks this, so the
    /// variable means the same in each. A path is made absolute against `workingDirectory` (see
    /// ``absolute(_:workingDirectory:)``).
    public static func requested(
        _ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) -> String? {
        let chosen = flag ?? environment["SECURERUN_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
        return chosen.map { absolute($0, workingDirectory: workingDirectory) }
    }

    /// `nameOrPath` with a relative path joined to `workingDirectory`; a name, or an absolute path, as
    /// it is. A detached container's monitor reads the profile from `/`, so a path must mean what it
    /// meant where the command was typed before the monitor starts.
    public static func absolute(_ nameOrPath: String, workingDirectory: String) -> String {
        guard looksLikePath(nameOrPath), !nameOrPath.hasPrefix("/") else { return nameOrPath }
        return workingDirectory.hasSuffix("/") ? workingDirectory + nameOrPath : workingDirectory + "/" + nameOrPath
    }

    /// Loads `nameOrPath` (nil means `default`): a path when it contains `/` or ends in .yaml/.yml/.json.
    /// With `cache`, a profile text read before is not composed and decoded again (see ``ProfileDocumentCache``).
    public static func load(_ nameOrPath: String?, cache: ProfileDocumentCache? = nil) throws(PolicyError) -> Profile {
        let requested = nameOrPath ?? "default"
        if looksLikePath(requested) {
            return try load(file: URL(fileURLWithPath: requested), cache: cache)
        }
        let searched = searchDirectories()
        for dir in searched {
            for ext in ["yaml", "yml", "json"] {
                let candidate = dir.appendingPathComponent("\(requested).\(ext)")
                if FileManager.default.fileExists(atPath: candidate.path) {
                    return try load(file: candidate, cache: cache)
                }
            }
        }
        throw .profileNotFound(name: requested, searched: searched.map(\.path))
    }

    /// Reads and validates one profile file (at most ``ProfileTextBounds/maxBytes``, read to its end).
    public static func load(file: URL, cache: ProfileDocumentCache? = nil) throws(PolicyError) -> Profile {
        let path = file.path
        let bytes = try readBounded(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .unreadable(path: path, reason: "not UTF-8 text")
        }
        return try parse(text, file: file, cache: cache)
    }

    /// Parses profile text as if read from `file` (which names errors and anchors relative paths).
    /// The text is bounded before Yams composes it (``ProfileTextBounds``), and the composed tree before
    /// it is decoded (``ProfileTreeBounds``): a hostile profile gets one line, never a crash.
    /// `seccompCache` lets many profiles naming the same seccomp file (lint) resolve it once; `composed` is
    /// the text's document when the caller already composed it (lint), so it is not composed again.
    /// `cache` holds documents of texts read before: a hit skips composing and decoding, never validating.
    public static func parse(
        _ text: String, file: URL, seccompCache: SeccompCache? = nil, composed: Node? = nil, cache: ProfileDocumentCache? = nil
    ) throws(PolicyError) -> Profile {
        let fallbackName = file.deletingPathExtension().lastPathComponent
        func validated(_ document: ProfileDocument) throws(PolicyError) -> Profile {
            var profile = try ProfileValidator(document: document, file: file, fallbackName: fallbackName, seccompCache: seccompCache).validate()
            profile.textDigest = Digest.of(Data(text.utf8)).description
            return profile
        }
        let key = cache?.key(for: text)
        // A cached document the validator refuses is not believed: the text is read again, so a refusal
        // always names what the file says.
        if let cache, let key, let cached = cache.document(for: key), let profile = try? validated(cached) {
            return profile
        }
        let document = try readDocument(text, path: file.path, composed: composed)
        if let cache, let key { cache.save(document, for: key) }
        return try validated(document)
    }

    /// The text's document: bounded, composed, checked for one reading, and decoded.
    static func readDocument(_ text: String, path: String, composed: Node?) throws(PolicyError) -> ProfileDocument {
        try ProfileTextBounds.check(Array(text.utf8), path: path)
        let node: Node?
        do {
            // Composed with the resolver YAMLDecoder decodes with (merge keys only), so the checks below see
            // the tags the decoder sees; Yams' default resolver would also compile its regular expressions
            // (ICU) on every start.
            node = try composed ?? Yams.compose(yaml: text, Resolver.basic.appending(.merge))
        } catch {
            throw .invalidField(path: path, field: "(document)", reason: "not valid YAML or JSON: \(yamlProblem(error))")
        }
        guard let node, node.mapping != nil else {
            throw .invalidField(path: path, field: "(document)", reason: "expected a mapping of profile fields")
        }
        try ProfileTreeBounds.check(node, path: path)
        try checkKeys(node, path: path)
        do {
            return try YAMLDecoder().decode(ProfileDocument.self, from: text)
        } catch let error as DecodingError {
            throw decodingFailure(error, path: path)
        } catch {
            throw .invalidField(path: path, field: "(document)", reason: "\(error)")
        }
    }

    // MARK: - Helpers

    static func looksLikePath(_ text: String) -> Bool {
        text.contains("/") || [".yaml", ".yml", ".json"].contains(where: { text.hasSuffix($0) })
    }

    /// The profiles/ folder shipped beside the binary (a source checkout or an install prefix).
    static func shippedDirectories() -> [URL] {
        var dirs: [URL] = []
        if let binary = executableDirectory() {
            // Installed: PREFIX/bin/securerun beside PREFIX/share/securerun/profiles.
            let installed = binary.deletingLastPathComponent().appendingPathComponent("share/securerun/profiles", isDirectory: true)
            if FileManager.default.fileExists(atPath: installed.appendingPathComponent("default.yaml").path) { dirs.append(installed) }
            // A source checkout: .build/<config>/securerun a few levels below profiles/.
            var dir = binary
            for _ in 0..<5 {
                let candidate = dir.appendingPathComponent("profiles", isDirectory: true)
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("default.yaml").path) {
                    if !dirs.contains(candidate) { dirs.append(candidate) }
                    break
                }
                dir = dir.deletingLastPathComponent()
            }
        }
        for fallback in ["/usr/local/share/securerun/profiles", "/usr/share/securerun/profiles"] {
            let url = URL(fileURLWithPath: fallback, isDirectory: true)
            if !dirs.contains(url) { dirs.append(url) }
        }
        return dirs
    }

    /// The directory of the running binary, from /proc/self/exe: never argv[0] or the working directory,
    /// which a caller controls (`cd /tmp; securerun …` must find the same profiles).
    public static func executableDirectory() -> URL? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let path = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return URL(fileURLWithPath: path).deletingLastPathComponent()
    }

    /// The shipped seccomp profile `name` (`default` → `<shipped profiles>/seccomp/default.json`), if any.
    static func shippedSeccomp(named name: String) -> URL? {
        for dir in shippedDirectories() {
            let candidate = dir.appendingPathComponent("seccomp/\(name).json")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    static func checkKeys(_ node: Node, path: String) throws(PolicyError) {
        try checkMapping(node, level: "", prefix: "", path: path)
        guard let mapping = node.mapping else { return }
        if let resources = mapping["resources"] {
            try checkMapping(resources, level: "resources", prefix: "resources.", path: path)
        }
        if let extra = mapping["extraTmpfs"] {
            try checkMapping(extra, level: "extraTmpfs", prefix: "extraTmpfs.", path: path)
        }
        if let restart = mapping["restart"] {
            try checkMapping(restart, level: "restart", prefix: "restart.", path: path)
        }
        if let volumes = mapping["volumes"] {
            try checkMapping(volumes, level: "volumes", prefix: "volumes.", path: path)
        }
        if let network = mapping["network"], network.mapping != nil {
            try checkMapping(network, level: "network", prefix: "network.", path: path)
            for sub in ["egress", "publish"] {
                if let inner = network.mapping?[sub] { try checkMapping(inner, level: "network.\(sub)", prefix: "network.\(sub).", path: path) }
            }
        }
        if let store = mapping["store"] {
            try checkMapping(store, level: "store", prefix: "store.", path: path)
        }
        if let tmpfs = mapping["tmpfs"]?.sequence {
            for (index, entry) in tmpfs.enumerated() {
                try checkMapping(entry, level: "tmpfs[]", prefix: "tmpfs[\(index)].", path: path)
            }
        }
        if let admission = mapping["admission"] {
            try checkMapping(admission, level: "admission", prefix: "admission.", path: path)
            for (index, entry) in (admission.mapping?["ignore"]?.sequence ?? []).enumerated() {
                try checkMapping(entry, level: "admission.ignore[]", prefix: "admission.ignore[\(index)].", path: path)
            }
        }
    }

    static func checkMapping(_ node: Node, level: String, prefix: String, path: String) throws(PolicyError) {
        guard let mapping = node.mapping, let known = ProfileDocument.knownKeys[level] else { return }
        for key in mapping.keys {
            guard let name = key.string else { continue }
            if level.isEmpty, let reason = ProfileDocument.removedKeys[name] {
                throw .invalidField(path: path, field: name, reason: reason)
            }
            if !known.contains(name) { throw .unknownField(path: path, field: prefix + name) }
        }
    }

    static func decodingFailure(_ error: DecodingError, path: String) -> PolicyError {
        switch error {
        case .typeMismatch(let type, let context):
            return .invalidField(path: path, field: fieldPath(context.codingPath), reason: "expected \(typeName(type))")
        case .valueNotFound(let type, let context):
            return .invalidField(path: path, field: fieldPath(context.codingPath), reason: "expected \(typeName(type)), found nothing")
        case .keyNotFound(let key, let context):
            return .invalidField(path: path, field: fieldPath(context.codingPath + [key]), reason: "required field is missing")
        case .dataCorrupted(let context):
            return .invalidField(path: path, field: fieldPath(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return .invalidField(path: path, field: "(document)", reason: "\(error)")
        }
    }

    static func fieldPath(_ keys: [any CodingKey]) -> String {
        var result = ""
        for key in keys {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result.isEmpty ? "(document)" : result
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is UInt32.Type: return "a whole number"
        case is Double.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            return "a mapping (\(name))"
        }
    }

    static func yamlProblem(_ error: Error) -> String {
        if let yamlError = error as? YamlError { return "\(yamlError)".split(separator: "\n").first.map(String.init) ?? "\(yamlError)" }
        return "\(error)"
    }

    /// The file's bytes, read to EOF; more than ``ProfileTextBounds/maxBytes`` is refused without reading
    /// further (`--profile /dev/zero` must end with a message).
    static func readBounded(_ path: String) throws(PolicyError) -> [UInt8] {
        // Never blocking: a FIFO, device or /proc file named as a profile is refused, not waited on.
        do { return try FileContents.readRegular(path, limit: ProfileTextBounds.maxBytes, followLinks: true) } catch {
            switch error {
            case .notRegular:
                var status = stat()
                let directory = stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
                throw .unreadable(path: path, reason: directory ? "is a directory" : "not a regular file (a FIFO, device or socket is never read)")
            case .tooLarge:
                throw .invalidField(
                    path: path, field: "(document)",
                    reason: "the file is over the \(ProfileTextBounds.maxBytes)-byte limit for profiles (a profile is a few kilobytes)")
            case .system(let cause):
                let reason = cause.errno == ENOENT ? "no such file" : cause.errno == EAGAIN ? "it would block (not a plain file)" : cause.reason.lowercased()
                throw .unreadable(path: path, reason: reason)
            }
        }
    }
}
