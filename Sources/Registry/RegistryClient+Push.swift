import ContentDigest
import Foundation
import Images
import NIOHTTP1

/// What the registry answered to a manifest PUT.
public struct PutManifest: Sendable, Equatable {
    /// The digest of the bytes sent (the registry's Docker-Content-Digest, when it sends one, is checked against it).
    public var digest: Digest
    /// Whether the registry said it indexed the manifest's `subject` (the OCI-Subject header): then it serves
    /// the referrers API and no fallback tag is needed.
    public var subjectIndexed: Bool
}

extension RegistryClient {
    /// The bytes per PATCH of a chunked upload; a blob up to this size goes in one PUT.
    public static let defaultChunkSize: Int64 = 64 << 20
    /// The most bytes read of an answer that should have no body (HEAD, upload steps).
    static let smallAnswerLimit = 64 << 10

    /// Whether `repository` has blob `digest` (HEAD: 200 yes, 404 no).
    public func hasBlob(repository: String, digest: Digest) async throws(ImageError) -> Bool {
        let path = "/v2/\(repository)/blobs/\(digest)"
        let response = try await authorized(
            .HEAD, try url(path), repository: repository, push: true, headers: [], body: nil, sink: .memory(limit: Self.smallAnswerLimit), retry: true)
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw failure("HEAD", path, response)
        }
    }

    /// Uploads the blob `descriptor` from `file` (a whole-file upload: POST, then one PUT `?digest=` with
    /// the bytes when it is at most `chunkSize`, else PATCHes of `chunkSize` bytes and a final PUT). The
    /// registry checks the digest; its Docker-Content-Digest must name it too.
    public func uploadBlob(repository: String, descriptor: Descriptor, file: URL, chunkSize: Int64 = defaultChunkSize) async throws(ImageError) {
        try await upload(
            repository: repository, digest: descriptor.digest, body: .file(path: file.path, offset: 0, length: descriptor.size), chunkSize: chunkSize)
    }

    /// Uploads `data` as a blob (unless the registry has it) and returns its descriptor with `mediaType`.
    @discardableResult
    public func uploadBlob(repository: String, data: Data, mediaType: String) async throws(ImageError) -> Descriptor {
        let descriptor = Descriptor(mediaType: mediaType, digest: Digest.of(data), size: Int64(data.count))
        if try await !hasBlob(repository: repository, digest: descriptor.digest) {
            try await upload(repository: repository, digest: descriptor.digest, body: .data(data), chunkSize: Self.defaultChunkSize)
        }
        return descriptor
    }

    private func upload(repository: String, digest: Digest, body: RequestBody, chunkSize: Int64) async throws(ImageError) {
        let start = "/v2/\(repository)/blobs/uploads/"
        let started = try await authorized(
            .POST, try url(start), repository: repository, push: true, headers: [], body: nil, sink: .memory(limit: Self.smallAnswerLimit), retry: false)
        guard started.status == 202, let first = started.header("Location") else {
            throw started.status == 202
                ? .registry(host: registry, reason: "POST \(start) answered 202 without a Location for the upload")
                : failure("POST", start, started, retried: false)
        }
        var location = try uploadLocation(first, from: try url(start))
        let octets = [("Content-Type", "application/octet-stream")]
        let finished: RegistryResponse
        if body.length <= chunkSize {
            let put = try withDigest(location, digest)
            finished = try await authorized(
                .PUT, put, repository: repository, push: true, headers: octets, body: body, sink: .memory(limit: Self.smallAnswerLimit), retry: false)
        } else {
            var offset: Int64 = 0
            while offset < body.length {
                let length = min(chunkSize, body.length - offset)
                let chunk = try await authorized(
                    .PATCH, location, repository: repository, push: true, headers: octets + [("Content-Range", "\(offset)-\(offset + length - 1)")],
                    body: body.slice(offset: offset, length: length), sink: .memory(limit: Self.smallAnswerLimit), retry: false)
                guard chunk.status == 202, let next = chunk.header("Location") else {
                    throw failure("PATCH", "\(start) (bytes \(offset)-\(offset + length - 1) of \(digest))", chunk, retried: false)
                }
                location = try uploadLocation(next, from: location)
                offset += length
            }
            finished = try await authorized(
                .PUT, try withDigest(location, digest), repository: repository, push: true, headers: [], body: nil, sink: .memory(limit: Self.smallAnswerLimit),
                retry: false)
        }
        guard finished.status == 201 else {
            var error = failure("PUT", "\(start) (\(digest))", finished, retried: false)
            if finished.status == 400, case .registry(let host, let reason) = error {
                error = .registry(host: host, reason: reason + "; if the registry says the digest is wrong, `securerun image check` checks the stored blob")
            }
            throw error
        }
        if let header = finished.header("Docker-Content-Digest"), header.hasPrefix("sha256:"), header != digest.description {
            throw .digestMismatch(what: "blob uploaded to \(registry)/\(repository)", expected: digest.description, actual: header)
        }
    }

    /// `location` with `digest=<digest>` added to its query (which may already carry the upload's state,
    /// kept byte for byte).
    private func withDigest(_ location: URL, _ digest: Digest) throws(ImageError) -> URL {
        let text = location.absoluteString
        guard let url = URL(string: text + (location.query == nil ? "?" : "&") + "digest=" + digest.description) else {
            throw .registry(host: registry, reason: "the upload location \(text) is not a URL")
        }
        return url
    }

    /// Puts manifest `data` (of `mediaType`) as `reference` (a tag, or its own digest).
    @discardableResult
    public func putManifest(repository: String, reference: String, data: Data, mediaType: String) async throws(ImageError) -> PutManifest {
        let path = "/v2/\(repository)/manifests/\(reference)"
        let response = try await authorized(
            .PUT, try url(path), repository: repository, push: true, headers: [("Content-Type", mediaType)], body: .data(data),
            sink: .memory(limit: Self.smallAnswerLimit),
            retry: true)
        guard response.status == 201 else { throw failure("PUT", path, response) }
        let digest = Digest.of(data)
        if let header = response.header("Docker-Content-Digest"), header.hasPrefix("sha256:"), header != digest.description {
            throw .digestMismatch(what: "manifest \(repository):\(reference) as \(registry) stored it", expected: digest.description, actual: header)
        }
        return PutManifest(digest: digest, subjectIndexed: response.header("OCI-Subject") != nil)
    }
}
