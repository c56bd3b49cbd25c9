import ContentDigest
import Foundation
import Images
import NIOHTTP1
import StrictJSON

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
/// basic auth. HTTPS by default; plain HTTP only for loopback hosts. Requests go through
/// `RegistryTransport` (redirects without leaking credentials, bounded retries, streaming to disk).
public struct RegistryClient: Sendable {
    /// The registry as written in references (`host[:port]`).
    public let registry: String
    /// Whether plain HTTP is used (loopback only).
    public let insecure: Bool
    /// Credentials for basic auth and token requests.
    public let credentials: RegistryCredentials?
    private let tokens = TokenCache()
    private let transport: RegistryTransport

    /// The Accept header for manifests: OCI and docker schema2 manifests and indexes.
    public static let manifestAccept = [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList]
    /// The largest manifest or index read (they are a few kilobytes; a bigger one is not a manifest).
    public static let manifestSizeLimit = 4 << 20
    /// The largest blob kept in memory (configs, attestations); layers stream to disk.
    public static let memoryBlobLimit = 64 << 20
    /// The largest token-service answer read.
    static let tokenSizeLimit = 1 << 20

    /// A client; `insecure` is refused unless the host is 127.0.0.0/8, ::1 or localhost.
    public init(registry: String, insecure: Bool = false, credentials: RegistryCredentials? = nil) throws(ImageError) {
        self.registry = registry
        self.insecure = insecure
        self.credentials = credentials
        if insecure && !Self.isLoopback(registry) {
            throw .insecureNotLoopback(host: registry)
        }
        transport = RegistryTransport(registry: registry, insecure: insecure)
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
        guard
            let response = try await getIfPresent(
                "/v2/\(repository)/manifests/\(reference)", repository: repository, accept: Self.manifestAccept, sink: .memory(limit: Self.manifestSizeLimit))
        else {
            return nil
        }
        let data = response.body
        let digest = Digest.of(data)
        if reference.hasPrefix("sha256:"), digest.description != reference {
            throw .digestMismatch(what: "manifest \(repository)@\(reference) from \(registry)", expected: reference, actual: digest.description)
        }
        if let header = response.header("Docker-Content-Digest"), header.hasPrefix("sha256:"), header != digest.description {
            throw .digestMismatch(what: "manifest \(repository):\(reference) from \(registry)", expected: header, actual: digest.description)
        }
        struct Probe: Decodable { var mediaType: String? }
        let declared = (try? StrictJSONDecoder(limits: JSONLimits(maxBytes: Self.manifestSizeLimit, maxDepth: 32)).decode(Probe.self, from: data))?.mediaType
        let contentType = response.header("Content-Type")?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let mediaType = declared ?? contentType else {
            throw .invalidImage(source: "\(registry)/\(repository):\(reference)", reason: "the manifest has no media type")
        }
        return FetchedManifest(data: data, mediaType: mediaType, digest: digest)
    }

    /// Fetches the manifest `reference` names (its digest, else its tag).
    public func manifest(_ reference: ImageReference) async throws(ImageError) -> FetchedManifest {
        try await manifest(repository: reference.repository, reference: reference.digest ?? reference.tag ?? "latest")
    }

    /// Fetches a small blob (a config, an attestation) into memory and checks it against `descriptor`
    /// (digest and size) before returning it.
    public func blob(repository: String, descriptor: Descriptor) async throws(ImageError) -> Data {
        let what = "blob \(descriptor.digest) from \(registry)/\(repository)"
        guard descriptor.size >= 0, descriptor.size <= Int64(Self.memoryBlobLimit) else {
            throw .sizeMismatch(what: what, expected: Int64(Self.memoryBlobLimit), actual: descriptor.size)
        }
        let response = try await get(
            "/v2/\(repository)/blobs/\(descriptor.digest)", repository: repository, accept: ["*/*"], sink: .memory(limit: Int(descriptor.size)))
        let data = response.body
        guard Int64(data.count) == descriptor.size else {
            throw .sizeMismatch(what: what, expected: descriptor.size, actual: Int64(data.count))
        }
        let actual = Digest.of(data)
        guard actual == descriptor.digest else {
            throw .digestMismatch(what: what, expected: descriptor.digest.description, actual: actual.description)
        }
        return data
    }

    /// Streams a blob into `file` (created exclusively, mode 0600) while hashing it, never holding more than
    /// one network buffer in memory; checks digest and size as it goes and at the end. On failure the
    /// file is removed. `progress` gets byte counts as they arrive.
    public func blob(
        repository: String, descriptor: Descriptor, to file: URL, progress: (@Sendable (TransferProgress) -> Void)? = nil
    ) async throws(ImageError) {
        let what = "blob \(descriptor.digest) from \(registry)/\(repository)"
        let descriptorFD = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptorFD >= 0 else { throw .io(path: file.path, operation: "create", errno: errno) }
        var kept = false
        defer {
            close(descriptorFD)
            if !kept { unlink(file.path) }
        }
        let sink = StreamingSink(
            descriptor: descriptorFD, path: file.path, expected: descriptor.size, what: what, label: descriptor.digest.description, progress: progress)
        _ = try await get("/v2/\(repository)/blobs/\(descriptor.digest)", repository: repository, accept: ["*/*"], sink: .stream(sink))
        guard sink.count == descriptor.size else { throw .sizeMismatch(what: what, expected: descriptor.size, actual: sink.count) }
        let actual = Digest(hex: sink.hasher.finalize().hexString)
        guard actual == descriptor.digest else {
            throw .digestMismatch(what: what, expected: descriptor.digest.description, actual: actual.description)
        }
        guard fsync(descriptorFD) == 0 else { throw .io(path: file.path, operation: "fsync", errno: errno) }
        kept = true
    }

    // MARK: - HTTP

    private func get(_ path: String, repository: String, accept: [String], sink: RegistryTransport.Sink) async throws(ImageError) -> RegistryResponse {
        guard let found = try await getIfPresent(path, repository: repository, accept: accept, sink: sink) else {
            throw .registry(host: registry, reason: "\(path) was not found (HTTP 404); check the repository and tag")
        }
        return found
    }

    /// GET with auth; nil when the registry answers 404 (absent, or an API it does not implement).
    func getIfPresent(_ path: String, repository: String, accept: [String], sink: RegistryTransport.Sink) async throws(ImageError) -> RegistryResponse? {
        let response = try await authorized(
            .GET, try url(path), repository: repository, push: false, headers: [("Accept", accept.joined(separator: ", "))], body: nil, sink: sink,
            retry: true)
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw failure("GET", path, response) }
        return response
    }

    /// The URL of an API path on this registry.
    func url(_ path: String) throws(ImageError) -> URL {
        guard let url = URL(string: baseURL + path) else {
            throw .registry(host: registry, reason: "cannot build a URL for \(path)")
        }
        return url
    }

    /// One request with this client's credentials: the token cached for the repository's pull (or
    /// pull,push) scope, else the answer to the registry's 401 challenge. Credentials go only to the
    /// registry's own origin: a request elsewhere (an upload location on a storage host) gets none.
    func authorized(
        _ method: HTTPMethod, _ url: URL, repository: String, push: Bool, headers extra: [(String, String)], body: RequestBody?,
        sink: RegistryTransport.Sink, retry: Bool
    ) async throws(ImageError) -> RegistryResponse {
        let scope = "repository:\(repository):\(push ? "pull,push" : "pull")"
        var headers = HTTPHeaders([("User-Agent", "securerun")] + extra)
        let ownOrigin = try RegistryTransport.origin(self.url("/v2/")) == RegistryTransport.origin(url)
        if ownOrigin, let cached = tokens.token(for: scope) { headers.replaceOrAdd(name: "Authorization", value: cached) }
        var response = try await transport.send(method, url, headers: headers, body: body, sink: sink, retry: retry)
        if response.status == 401 {
            guard ownOrigin else {
                throw .unauthorized(
                    registry: registry, repository: repository,
                    reason: "\(RegistryTransport.hostPort(url)) asks for credentials, which securerun sends only to the registry itself")
            }
            guard let header = response.header("WWW-Authenticate"), let challenge = AuthChallenge(header: header) else {
                throw .unauthorized(registry: registry, repository: repository, reason: "it answered 401 without a WWW-Authenticate challenge")
            }
            let authorization = try await authorization(for: challenge, scope: scope, repository: repository)
            headers.replaceOrAdd(name: "Authorization", value: authorization)
            if case .stream(let streaming) = sink { try streaming.reset() }
            response = try await transport.send(method, url, headers: headers, body: body, sink: sink, retry: retry)
            if response.status == 401 || response.status == 403 {
                throw .unauthorized(registry: registry, repository: repository, reason: "the credentials were refused (HTTP \(response.status))")
            }
            tokens.store(authorization, for: scope)
        }
        return response
    }

    /// An upload's `Location` header as a URL (https, or loopback http with `--insecure`).
    func uploadLocation(_ location: String, from url: URL) throws(ImageError) -> URL {
        try transport.checkedLocation(location, from: url, what: "gave the upload location")
    }

    /// The error for an unexpected answer: the method, path, status and the start of the body.
    func failure(_ method: String, _ path: String, _ response: RegistryResponse, retried: Bool = true) -> ImageError {
        let detail = String(decoding: response.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n", with: " ")
        let tries = RegistryTransport.retryable(response.status) && retried ? " (tried \(RegistryTransport.attempts) times)" : ""
        return .registry(host: registry, reason: "\(method) \(path) answered HTTP \(response.status)\(detail.isEmpty ? "" : ": " + detail)\(tries)")
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
            guard let url = components.url, let scheme = url.scheme?.lowercased() else {
                throw .unauthorized(registry: registry, repository: repository, reason: "its token realm \(realm) is not a URL")
            }
            // A password goes to the token service only over https (or to loopback with --insecure).
            guard scheme == "https" || (scheme == "http" && insecure && Self.isLoopback(RegistryTransport.hostPort(url))) else {
                throw .unauthorized(registry: registry, repository: repository, reason: "its token realm \(realm) is not https")
            }
            var headers = HTTPHeaders([("Accept", "application/json"), ("User-Agent", "securerun")])
            if let credentials { headers.add(name: "Authorization", value: credentials.basicHeader) }
            let response = try await transport.get(url, headers: headers, sink: .memory(limit: Self.tokenSizeLimit))
            struct TokenResponse: Decodable {
                var token: String?
                var access_token: String?
            }
            guard response.status == 200 else {
                let reason =
                    response.status == 401 || response.status == 403
                    ? "its token service refused the credentials (HTTP \(response.status))"
                    : "its token service \(realm) answered HTTP \(response.status) without a token"
                throw .unauthorized(registry: registry, repository: repository, reason: reason)
            }
            let parsed: TokenResponse
            do {
                parsed = try StrictJSONDecoder(limits: JSONLimits(maxBytes: Self.tokenSizeLimit, maxDepth: 8)).decode(TokenResponse.self, from: response.body)
            } catch {
                throw .unauthorized(
                    registry: registry, repository: repository, reason: "its token service \(realm) answered something that is not a token: \(error)")
            }
            guard let token = parsed.token ?? parsed.access_token, !token.isEmpty else {
                throw .unauthorized(registry: registry, repository: repository, reason: "its token service \(realm) answered without a token")
            }
            return "Bearer \(token)"
        default:
            throw .unauthorized(registry: registry, repository: repository, reason: "it asks for unsupported auth scheme '\(challenge.scheme)'")
        }
    }
}
