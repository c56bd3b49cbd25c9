import Policy

/// Why the plugin refused an API call. Each case is one line for the engine's client, which shows it as
/// "authorization denied by plugin securerun: …".
public enum EnginePluginError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request line, headers or body could not be read as the engine reads them.
    case unreadableRequest(String)
    /// A judged call whose body the plugin did not get whole: none, truncated, chunked or over the engine's
    /// forwarding limit.
    case bodyMissing(endpoint: String, reason: String)
    /// The body is not what the Engine API takes, or holds what securerun cannot judge.
    case invalidBody(endpoint: String, field: String, reason: String)
    /// A policy refusal (the same rule ids and messages as `securerun run`).
    case policy(PolicyError)
    /// The endpoint is refused outright (see the endpoint table).
    case endpointRefused(endpoint: String, reason: String)
    /// A mutating endpoint securerun does not know.
    case unknownEndpoint(method: String, path: String)
    /// The image is not admitted (no stored manifest with the engine's image id, or its verdict refuses).
    case imageNotAdmitted(image: String, reason: String)
    /// The plugin could not ask the engine what it needed to decide.
    case engineUnavailable(String)

    /// The rule the refusal keeps: the policy's own for a policy refusal, else the plugin's (fail closed,
    /// admission, endpoints), so every answer names an id `securerun lint --explain` explains.
    public var rule: PolicyViolation.Rule {
        switch self {
        case .unreadableRequest, .bodyMissing, .invalidBody, .unknownEndpoint, .engineUnavailable: return .readableRequest
        case .policy(let error): return error.rule ?? .readableRequest
        case .endpointRefused: return .engineEndpoints
        case .imageNotAdmitted: return .imageAdmission
        }
    }

    public var description: String {
        // A policy refusal names its rule itself.
        if case .policy(let error) = self, error.rule != nil { return message }
        return "\(message) [\(rule.id) \(rule.name)]"
    }

    var message: String {
        switch self {
        case .unreadableRequest(let reason):
            return "securerun cannot read this request as the engine would (\(reason)); refusing what it cannot read"
        case .bodyMissing(let endpoint, let reason):
            return
                "\(endpoint) refused: \(reason); securerun judges this endpoint on its whole JSON body, so send it with Content-Type: application/json and a Content-Length (as docker, compose and the SDKs do), under 1 MiB"
        case .invalidBody(let endpoint, let field, let reason):
            return "\(endpoint) refused: \(field.isEmpty ? "the body" : field): \(reason)"
        case .policy(let error):
            return error.description
        case .endpointRefused(let endpoint, let reason):
            return "\(endpoint) refused: \(reason)"
        case .unknownEndpoint(let method, let path):
            return "\(method) \(path) refused: securerun does not know this endpoint, and refuses the calls it cannot judge"
        case .imageNotAdmitted(let image, let reason):
            return "image \(image) refused: \(reason)"
        case .engineUnavailable(let reason):
            return "securerun could not ask the engine what it needed to decide (\(reason)); refusing"
        }
    }
}
