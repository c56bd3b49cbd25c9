import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A manifest or index fetched from a registry, verified against its digest.
public struct FetchedManifest: Sendable {
    /// The exact bytes the registry served (the digest is over these).
    public var data: Data
    /// The media type from the content (or the Content-Type header).
    public var mediaType: String
    /// `sha256` of `data`.
    public var digest: Digest
}

/// A client for one OCI distribution (registry v2) endpoint: manifests and blobs, with bearer-token and
/// basic auth. HTTPS by default; plain HTTP only for loopback hosts.
public struct RegistryClient: Sendable {
    /// The registry as written in references (`host[:port]`).
    public let registry: String
    /// Whether plain HTTP is used (loopback only).
    public let insecure: Bool
    /// Credentials for basic auth and token requests.
    public let credentials: RegistryCredentials?
    private let tokens = TokenCache()
    private let session: URLSession

    /// The Accept header for manifests: OCI and docker schema2 manifests and indexes.
    public static let manifestAccept = [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList]

    /// A client; `insecure` is refused unless the host is 127.0.0.0/8, ::1 or localhost.
    public init(registry: String, insecure: Bool = false, credentials: RegistryCredentials? = nil) throws(ImageError) {
        self.registry = registry
        self.insecure = insecure
        self.credentials = credentials
        if insecure && !Self.isLoopback(registry) {
            throw .insecureNotLoopback(host: registry)
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        session = URLSession(configuration: configuration, delegate: BasicChallengeHandler(credentials: credentials), delegateQueue: nil)
    }

    /// Whether `registry` (host[:port]) names a loopback address.
    public static func isLoopback(_ registry: String) -> Bool {
        var host = registry
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            host = String(host[host.index(after: host.startIndex)..<end])
        } else if let colon = host.lastIndex(of: ":"), host.filter({ $0 == ":" }).count == 1 {
            host = String(host[..<colon])
        }
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        return octets.count == 4 && host.split(separator: ".").count == 4 && octets[0] == 127
    }

    private var baseURL: String {
        let host = registry == ImageReference.defaultRegistry ? ImageReference.defaultRegistryHost : registry
        return (insecure ? "http://" : "https://") + host
    }

    // MARK: - API

    /// Fetches the manifest or index `reference` (a tag or `sha256:` digest) of `repository`, verifying its digest
    /// (against the reference when it is a digest, and against the registry's Docker-Content-Digest header).
    public func manifest(repository: String, reference: String) async throws(ImageError) -> FetchedManifest {
        guard let fetched = try await manifestIfPresent(repository: repository, reference: reference) else {
            throw .registry(host: registry, reason: "/v2/\(repository)/manifests/\(reference) was not found (HTTP 404); check the repository and tag")
        }
        return fetched
    }

    /// `manifest(repository:reference:)`, or nil when the registry has no such manifest (HTTP 404).
    func manifestIfPresent(repository: String, reference: String) async throws(ImageError) -> FetchedManifest? {
        guard let (data, response) = try await getIfPresent("/v2/\(repository)/manifests/\(reference)", repository: repository, accept: Self.manifestAccept)
        else {
            return nil
        }
        let digest = Digest.of(data)
        if reference.hasPrefix("sha256:"), digest.description != reference {
            throw .digestMismatch(what: "manifest \(repository)@\(reference) from \(registry)", expected: reference, actual: digest.description)
        }
        if let header = response.value(forHTTPHeaderField: "Docker-Content-Digest"), header.hasPrefix("sha256:"), header != digest.description {
            throw .digestMismatch(what: "manifest \(repository):\(reference) from \(registry)", expected: header, actual: digest.description)
        }
        struct Probe: Decodable { var mediaType: String? }
        let declared = (try? JSONDecoder().decode(Probe.self, from: data))?.mediaType
        let contentType = response.value(forHTTPHeaderField: "Content-Type")?.split(separator: ";").first.map(String.init)
        guard let mediaType = declared ?? contentType else {
            throw .invalidImage(source: "\(registry)/\(repository):\(reference)", reason: "the manifest has no media type")
        }
        return FetchedManifest(data: data, mediaType: mediaType, digest: digest)
    }

    /// Fetches the manifest `reference` names (its digest, else its tag).
    public func manifest(_ reference: ImageReference) async throws(ImageError) -> FetchedManifest {
        try await manifest(repository: reference.repository, reference: reference.digest ?? reference.tag ?? "latest")
    }

    /// Fetches a blob and checks it against `descriptor` (digest and size) before returning it.
    public func blob(repository: String, descriptor: Descriptor) async throws(ImageError) -> Data {
        let data = try await blob(repository: repository, digest: descriptor.digest)
        guard Int64(data.count) == descriptor.size else {
            throw .sizeMismatch(what: "blob \(descriptor.digest) from \(registry)/\(repository)", expected: descriptor.size, actual: Int64(data.count))
        }
        return data
    }

    /// Fetches a blob and checks it hashes to `digest`.
    public func blob(repository: String, digest: Digest) async throws(ImageError) -> Data {
        let (data, _) = try await get("/v2/\(repository)/blobs/\(digest)", repository: repository, accept: ["*/*"])
        let actual = Digest.of(data)
        guard actual == digest else {
            throw .digestMismatch(what: "blob \(digest) from \(registry)/\(repository)", expected: digest.description, actual: actual.description)
        }
        return data
    }

    // MARK: - HTTP

    private func get(_ path: String, repository: String, accept: [String]) async throws(ImageError) -> (Data, HTTPURLResponse) {
        guard let found = try await getIfPresent(path, repository: repository, accept: accept) else {
            throw .registry(host: registry, reason: "\(path) was not found (HTTP 404); check the repository and tag")
        }
        return found
    }

    /// GET with auth; nil when the registry answers 404 (absent, or an API it does not implement).
    func getIfPresent(_ path: String, repository: String, accept: [String]) async throws(ImageError) -> (Data, HTTPURLResponse)? {
        guard let url = URL(string: baseURL + path) else {
            throw .registry(host: registry, reason: "cannot build a URL for \(path)")
        }
        let scope = "repository:\(repository):pull"
        var request = URLRequest(url: url)
        request.setValue(accept.joined(separator: ", "), forHTTPHeaderField: "Accept")
        if let token = tokens.token(for: scope) {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        var (data, response) = try await send(request)
        if response.statusCode == 401 {
            guard let header = response.value(forHTTPHeaderField: "WWW-Authenticate"), let challenge = AuthChallenge(header: header) else {
                throw .unauthorized(registry: registry, repository: repository, reason: "it answered 401 without a WWW-Authenticate challenge")
            }
            request.setValue(try await authorization(for: challenge, scope: scope, repository: repository), forHTTPHeaderField: "Authorization")
            (data, response) = try await send(request)
            if response.statusCode == 401 || response.statusCode == 403 {
                throw .unauthorized(registry: registry, repository: repository, reason: "the credentials were refused (HTTP \(response.statusCode))")
            }
        }
        if response.statusCode == 404 { return nil }
        guard response.statusCode == 200 else {
            let detail = String(decoding: data.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .registry(host: registry, reason: "GET \(path) answered HTTP \(response.statusCode): \(detail)")
        }
        return (data, response)
    }

    private func authorization(for challenge: AuthChallenge, scope: String, repository: String) async throws(ImageError) -> String {
        switch challenge.scheme {
        case "basic":
            guard let credentials else {
                throw .unauthorized(registry: registry, repository: repository, reason: "it asks for a user name and password")
            }
            return credentials.basicHeader
        case "bearer":
            guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm) else {
                throw .unauthorized(registry: registry, repository: repository, reason: "its bearer challenge has no realm")
            }
            var items = components.queryItems ?? []
            if let service = challenge.parameters["service"] { items.append(URLQueryItem(name: "service", value: service)) }
            items.append(URLQueryItem(name: "scope", value: challenge.parameters["scope"] ?? scope))
            components.queryItems = items
            guard let url = components.url else {
                throw .unauthorized(registry: registry, repository: repository, reason: "its token realm \(realm) is not a URL")
            }
            var request = URLRequest(url: url)
            if let credentials { request.setValue(credentials.basicHeader, forHTTPHeaderField: "Authorization") }
            let (data, response) = try await send(request)
            struct TokenResponse: Decodable {
                var token: String?
                var access_token: String?
            }
            guard response.statusCode == 200, let parsed = try? JSONDecoder().decode(TokenResponse.self, from: data),
                let token = parsed.token ?? parsed.access_token
            else {
                throw .unauthorized(
                    registry: registry, repository: repository, reason: "its token service \(realm) answered HTTP \(response.statusCode) without a token")
            }
            tokens.store(token, for: scope)
            return "Bearer \(token)"
        default:
            throw .unauthorized(registry: registry, repository: repository, reason: "it asks for unsupported auth scheme '\(challenge.scheme)'")
        }
    }

    private func send(_ request: URLRequest) async throws(ImageError) -> (Data, HTTPURLResponse) {
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else {
                throw ImageError.registry(host: registry, reason: "not an HTTP response")
            }
            return (data, http)
        } catch let error as ImageError {
            throw error
        } catch let error as URLError where error.code == .cancelled {
            let repository = request.url?.path.split(separator: "/").dropFirst().dropLast(2).joined(separator: "/") ?? ""
            let reason = credentials == nil ? "it asks for a user name and password" : "the credentials were refused (HTTP 401)"
            throw .unauthorized(registry: registry, repository: repository, reason: reason)
        } catch {
            throw .registry(host: registry, reason: "cannot reach \(request.url?.absoluteString ?? registry): \(error.localizedDescription)")
        }
    }
}

/// Answers URLSession's own Basic challenges: swift-corelibs-foundation handles a `Basic` 401 itself and,
/// without a delegate, waits forever. With credentials they are used once; otherwise (or when refused) the
/// request is cancelled, which `send` reports as unauthorized.
final class BasicChallengeHandler: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    let credentials: RegistryCredentials?

    init(credentials: RegistryCredentials?) { self.credentials = credentials }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        guard let credentials, challenge.previousFailureCount == 0 else {
            completionHandler(.cancelAuthenticationChallenge, nil)
            return
        }
        completionHandler(.useCredential, URLCredential(user: credentials.username, password: credentials.password, persistence: .none))
    }
}
