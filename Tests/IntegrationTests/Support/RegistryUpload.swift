import ContentDigest
import Foundation
import Images

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Pushes blobs and manifests to a `LocalRegistry` with plain distribution-API requests, the way cosign
/// stores attestations; securerun itself only ever reads from registries.
extension LocalRegistry {
    /// A descriptor as pushed: media type, digest and size of the exact bytes.
    struct Pushed {
        var mediaType: String
        var digest: String
        var size: Int
        var json: String { #"{"mediaType":"\#(mediaType)","digest":"\#(digest)","size":\#(size)}"# }
    }

    /// `{}`, the OCI 1.1 empty config of artifact manifests.
    static let emptyConfigType = "application/vnd.oci.empty.v1+json"

    /// Uploads `data` as a blob of `repository` (POST, then PUT with the digest).
    @discardableResult
    func pushBlob(_ data: Data, mediaType: String, repository: String) async throws -> Pushed {
        let digest = Self.digest(data)
        var start = URLRequest(url: try url("/v2/\(repository)/blobs/uploads/"))
        start.httpMethod = "POST"
        let (_, started) = try await Self.send(start, expect: 202)
        guard let location = started.value(forHTTPHeaderField: "Location") else { throw TestFailure("blob upload: no Location header") }
        let absolute = location.hasPrefix("http") ? location : "http://\(host)\(location)"
        var put = URLRequest(url: try Self.url(absolute + (absolute.contains("?") ? "&" : "?") + "digest=\(digest)"))
        put.httpMethod = "PUT"
        put.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        put.httpBody = data
        _ = try await Self.send(put, expect: 201)
        return Pushed(mediaType: mediaType, digest: digest, size: data.count)
    }

    /// Puts a manifest or index under `reference` (a tag, or its own digest) and returns its descriptor.
    @discardableResult
    func pushManifest(_ text: String, mediaType: String, repository: String, reference: String? = nil) async throws -> Pushed {
        let data = Data(text.utf8)
        let digest = Self.digest(data)
        var put = URLRequest(url: try url("/v2/\(repository)/manifests/\(reference ?? digest)"))
        put.httpMethod = "PUT"
        put.setValue(mediaType, forHTTPHeaderField: "Content-Type")
        put.httpBody = data
        _ = try await Self.send(put, expect: 201)
        return Pushed(mediaType: mediaType, digest: digest, size: data.count)
    }

    /// The HTTP status of a GET, e.g. to learn whether the registry implements the referrers API.
    func status(ofGet path: String) async throws -> Int {
        let (_, response) = try await URLSession.shared.data(for: URLRequest(url: try url(path)))
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    /// The file the registry keeps a blob's bytes in (for tests that corrupt it behind the registry's back).
    func blobFile(_ digest: String) -> URL {
        let hex = String(digest.dropFirst("sha256:".count))
        return directory.appendingPathComponent("data/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data")
    }

    private func url(_ path: String) throws -> URL { try Self.url("http://\(host)\(path)") }

    private static func url(_ text: String) throws -> URL {
        guard let url = URL(string: text) else { throw TestFailure("not a URL: \(text)") }
        return url
    }

    private static func send(_ request: URLRequest, expect status: Int) async throws -> (Data, HTTPURLResponse) {
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse, http.statusCode == status else {
            let code = (response as? HTTPURLResponse)?.statusCode ?? 0
            throw TestFailure(
                "\(request.httpMethod ?? "GET") \(request.url?.absoluteString ?? ""): HTTP \(code), expected \(status): \(String(decoding: data, as: UTF8.self))"
            )
        }
        return (data, http)
    }

    private static func digest(_ data: Data) -> String {
        Digest.of(data).description
    }
}
