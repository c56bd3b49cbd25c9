import Foundation
import Images
import StrictJSON

/// A registry user name and password (or identity token as password).
public struct RegistryCredentials: Sendable, Equatable {
    public var username: String
    public var password: String

    /// Credentials for basic auth and token requests.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    var basicHeader: String { "Basic " + Data("\(username):\(password)".utf8).base64EncodedString() }

    /// Reads the entry for `registry` from a docker `config.json` or a podman `auth.json`
    /// (`auths.<host>.auth` = base64 user:pass, or `username`/`password`); nil when the file has no entry
    /// for it. The file is read strictly (a duplicate key is an error, not a guess).
    public static func fromAuthFile(_ file: URL, registry: String) throws(ImageError) -> RegistryCredentials? {
        try AuthFile.read(file).credentials(for: registry, path: file.path)
    }

    /// Where credentials come from when none are given: podman's `${XDG_RUNTIME_DIR}/containers/auth.json`,
    /// then docker's `${DOCKER_CONFIG:-~/.docker}/config.json`; the first file with an entry for `registry`
    /// wins. Files that are missing are skipped; files that cannot be read, and entries kept by credential
    /// helpers (which securerun does not run), give notes.
    public static func lookup(registry: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> CredentialLookup {
        var result = CredentialLookup()
        for file in defaultAuthFiles(environment: environment) where FileManager.default.fileExists(atPath: file.path) {
            do throws(ImageError) {
                let parsed = try AuthFile.read(file)
                if let credentials = try parsed.credentials(for: registry, path: file.path) {
                    result.credentials = credentials
                    result.source = file.path
                    return result
                }
                if let helper = parsed.helper(for: registry) {
                    result.notes.append(
                        "\(file.path) keeps the credentials for \(registry) in docker-credential-\(helper), which securerun does not run; "
                            + "pass --username/--password-stdin or --authfile")
                }
            } catch {
                result.notes.append("ignoring \(error)")
            }
        }
        return result
    }

    /// The auth files `lookup` reads, in order.
    public static func defaultAuthFiles(environment: [String: String]) -> [URL] {
        var files: [URL] = []
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            files.append(URL(fileURLWithPath: runtime).appendingPathComponent("containers/auth.json"))
        }
        if let docker = environment["DOCKER_CONFIG"], !docker.isEmpty {
            files.append(URL(fileURLWithPath: docker).appendingPathComponent("config.json"))
        } else if let home = environment["HOME"], !home.isEmpty {
            files.append(URL(fileURLWithPath: home).appendingPathComponent(".docker/config.json"))
        }
        return files
    }
}

/// What looking for default credentials found.
public struct CredentialLookup: Sendable, Equatable {
    /// The credentials, if a file had an entry for the registry.
    public var credentials: RegistryCredentials?
    /// The file they came from.
    public var source: String?
    /// Files skipped and why, one line each.
    public var notes: [String] = []
}

/// A docker `config.json` or podman `auth.json`: `auths`, `credsStore`, `credHelpers`.
struct AuthFile: Decodable {
    struct Entry: Decodable {
        var auth: String?
        var username: String?
        var password: String?
        var identitytoken: String?
    }
    var auths: [String: Entry]?
    var credsStore: String?
    var credHelpers: [String: String]?

    static func read(_ file: URL) throws(ImageError) -> AuthFile {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw .credentials(path: file.path, reason: "the file cannot be read")
        }
        do {
            return try StrictJSONDecoder(limits: JSONLimits(maxBytes: 4 << 20, maxDepth: 16)).decode(AuthFile.self, from: data)
        } catch {
            throw .credentials(path: file.path, reason: "it is not a docker config.json or podman auth.json: \(error)")
        }
    }

    /// The names an entry for `registry` may be stored under.
    static func keys(for registry: String) -> [String] {
        var keys = [registry, "https://\(registry)", "http://\(registry)", "https://\(registry)/v1/", "https://\(registry)/v2/"]
        if registry == ImageReference.defaultRegistry { keys += ["https://index.docker.io/v1/", "index.docker.io", "docker.io"] }
        return keys
    }

    func credentials(for registry: String, path: String) throws(ImageError) -> RegistryCredentials? {
        guard let entry = Self.keys(for: registry).lazy.compactMap({ self.auths?[$0] }).first else { return nil }
        if let username = entry.username, let password = entry.password, !username.isEmpty {
            return RegistryCredentials(username: username, password: password)
        }
        if let auth = entry.auth, !auth.isEmpty {
            guard let decoded = Data(base64Encoded: auth).map({ String(decoding: $0, as: UTF8.self) }), let colon = decoded.firstIndex(of: ":") else {
                throw .credentials(path: path, reason: "the entry for \(registry) has no valid base64 user:password \"auth\"")
            }
            return RegistryCredentials(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
        }
        if entry.identitytoken != nil {
            throw .credentials(path: path, reason: "the entry for \(registry) holds only an identity token, which securerun cannot use; log in with a password")
        }
        return nil
    }

    func helper(for registry: String) -> String? {
        Self.keys(for: registry).lazy.compactMap { self.credHelpers?[$0] }.first ?? credsStore
    }
}

/// A parsed `WWW-Authenticate` challenge: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
struct AuthChallenge: Equatable {
    var scheme: String
    var parameters: [String: String]

    init?(header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            guard !trimmed.isEmpty else { return nil }
            scheme = trimmed.lowercased()
            parameters = [:]
            return
        }
        scheme = trimmed[..<space].lowercased()
        parameters = [:]
        var rest = trimmed[trimmed.index(after: space)...]
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: " ,")).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                let end = rest.firstIndex(of: "\"") ?? rest.endIndex
                value = String(rest[..<end])
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[end...]
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end]).trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            parameters[key] = value
        }
    }
}

/// Bearer tokens per scope, shared by copies of a client.
final class TokenCache: @unchecked Sendable {
    private let lock = NSLock()
    private var tokens: [String: String] = [:]

    func token(for scope: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return tokens[scope]
    }

    func store(_ token: String, for scope: String) {
        lock.lock()
        defer { lock.unlock() }
        tokens[scope] = token
    }
}
