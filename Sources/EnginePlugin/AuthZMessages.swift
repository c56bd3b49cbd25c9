import Foundation
import StrictJSON

/// The Docker Engine's authorization-plugin protocol (v1 plugins, moby's `pkg/authorization/api.go`):
/// the engine POSTs `/Plugin.Activate` once, then `/AuthZPlugin.AuthZReq` before and
/// `/AuthZPlugin.AuthZRes` after every API call, each a JSON document; the plugin answers `Allow`, and a
/// refusal's `Msg` reaches the client as "authorization denied by plugin NAME: MSG".
public enum AuthZProtocol {
    /// The plugin's answer to `Plugin.Activate`: it implements `authz`.
    public static let activation: [UInt8] = Array(#"{"Implements":["authz"]}"#.utf8)
    /// The content type the engine's plugin client sends and expects.
    public static let contentType = "application/vnd.docker.plugins.v1+json"
    /// `Plugin.Activate`.
    public static let activatePath = "/Plugin.Activate"
    /// `AuthZPlugin.AuthZReq`: before the engine acts.
    public static let requestPath = "/AuthZPlugin.AuthZReq"
    /// `AuthZPlugin.AuthZRes`: after the engine acted, with its response.
    public static let responsePath = "/AuthZPlugin.AuthZRes"
    /// The largest request body the engine forwards to a plugin (moby's `maxBodySize`, 1 MiB): a larger
    /// body reaches the plugin as no body at all, and the engine still acts on it.
    public static let engineForwardingLimit = 1 << 20
    /// The largest AuthZ document securerun reads: a forwarded body (1 MiB, base64) plus headers.
    public static let documentLimit = JSONLimits(maxBytes: 4 << 20, maxDepth: 16)
}

/// What the engine tells the plugin about one API call (moby's `authorization.Request`; field names as
/// its JSON tags spell them: `RequestUri`, not `RequestURI`).
public struct AuthZRequest: Sendable, Equatable, Decodable {
    /// The user an authentication plugin established (empty on a unix socket without one).
    public var User: String?
    /// How that user was authenticated.
    public var UserAuthNMethod: String?
    /// The HTTP method as the client sent it.
    public var RequestMethod: String?
    /// The request target as the client sent it: path and query, still percent-encoded.
    public var RequestUri: String?
    /// The request body, when the engine forwarded it (JSON bodies under 1 MiB only).
    public var RequestBody: Data?
    /// The request's headers, one value each (the last one when repeated), without credentials.
    public var RequestHeaders: [String: String]?
    /// The engine's status, in `AuthZRes`.
    public var ResponseStatusCode: Int?

    /// A request with the given parts (tests, and the server after decoding).
    public init(
        method: String?, uri: String?, body: [UInt8]? = nil, headers: [String: String]? = nil, user: String? = nil
    ) {
        self.User = user
        self.RequestMethod = method
        self.RequestUri = uri
        self.RequestBody = body.map { Data($0) }
        self.RequestHeaders = headers
    }

    enum CodingKeys: String, CodingKey {
        case User, UserAuthNMethod, RequestMethod, RequestUri, RequestBody, RequestHeaders, ResponseStatusCode
    }

    /// Reads an `AuthZReq`/`AuthZRes` document strictly (one reader, no duplicate keys, bounded).
    public static func decode(_ bytes: some Collection<UInt8>) throws -> AuthZRequest {
        try StrictJSONDecoder(limits: AuthZProtocol.documentLimit).decode(AuthZRequest.self, from: bytes)
    }

    /// The header `name`, matched without regard to case (the engine sends Go's canonical form).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return RequestHeaders?.first { $0.key.lowercased() == wanted }?.value
    }
}

/// The plugin's answer (moby's `authorization.Response`).
public struct AuthZResponse: Sendable, Equatable, Encodable {
    /// Whether the engine may go on.
    public var Allow: Bool
    /// Why not (shown to the client).
    public var Msg: String?
    /// A failure of the plugin itself (the engine refuses the call and says so).
    public var Err: String?

    /// An answer with every field given.
    public init(Allow: Bool, Msg: String?, Err: String?) {
        self.Allow = Allow
        self.Msg = Msg
        self.Err = Err
    }

    /// An allowing answer.
    public static let allow = AuthZResponse(Allow: true, Msg: nil, Err: nil)

    /// A refusal saying why.
    public static func deny(_ message: String) -> AuthZResponse {
        AuthZResponse(Allow: false, Msg: message, Err: nil)
    }

    /// The JSON the engine reads.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(self))) ?? Array(#"{"Allow":false,"Err":"cannot encode the answer"}"#.utf8)
    }
}
