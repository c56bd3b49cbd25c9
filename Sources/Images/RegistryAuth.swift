import Foundation

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

    /// Reads the entry for `registry` from a docker `config.json` (`auths.<host>.auth` = base64 user:pass,
    /// or `username`/`password`); nil when the file has no entry for it.
    public static func fromAuthFile(_ file: URL, registry: String) throws(ImageError) -> RegistryCredentials? {
        struct AuthFile: Decodable {
            struct Entry: Decodable {
                var auth: String?
                var username: String?
                var password: String?
            }
            var auths: [String: Entry]?
        }
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw .credentials(path: file.path, reason: "the file cannot be read")
        }
        guard let parsed = try? JSONDecoder().decode(AuthFile.self, from: data) else {
            throw .credentials(path: file.path, reason: "it is not a docker config.json with an \"auths\" object")
        }
        var keys = [registry, "https://\(registry)", "http://\(registry)", "https://\(registry)/v1/", "https://\(registry)/v2/"]
        if registry == ImageReference.defaultRegistry { keys.append("https://index.docker.io/v1/") }
        guard let entry = keys.lazy.compactMap({ parsed.auths?[$0] }).first else { return nil }
        if let username = entry.username, let password = entry.password {
            return RegistryCredentials(username: username, password: password)
        }
        guard let auth = entry.auth, let decoded = Data(base64Encoded: auth).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        else {
            throw .credentials(path: file.path, reason: "the entry for \(registry) has no valid base64 user:password \"auth\"")
        }
        return RegistryCredentials(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
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
