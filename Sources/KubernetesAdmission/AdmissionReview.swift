import Foundation
import StrictJSON

/// An `admission.k8s.io/v1` AdmissionReview request, read strictly (one JSON reader: duplicate keys,
/// invalid UTF-8, trailing bytes and excess depth refused). The review's own envelope may carry fields a
/// newer API server adds (they change nothing that runs); the pod in it is read field by field.
public struct AdmissionReviewRequest: Sendable {
    /// `request.uid`, echoed in the response.
    public var uid: String
    /// `request.resource.resource`, its group, and `request.subResource`.
    public var resource: String
    public var group: String
    public var subResource: String
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    public var operation: String
    /// `request.dryRun`.
    public var dryRun: Bool
    /// `request.object`, when sent.
    public var object: JSONNode?
    /// `request.oldObject`: the pod as it was, on UPDATE.
    public var oldObject: JSONNode?

    /// The largest review the API server sends (its request limit, 3 MiB); larger is refused.
    public static let maxBytes = 3 << 20
    /// The apiVersion securerun speaks.
    public static let apiVersion = "admission.k8s.io/v1"

    /// Reads a review from `bytes`.
    public static func read(_ bytes: [UInt8]) throws(KubernetesAdmissionError) -> AdmissionReviewRequest {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes, limits: JSONLimits(maxBytes: maxBytes, maxDepth: 64))
        } catch {
            throw .notJSON(source: "the AdmissionReview", reason: error.description)
        }
        let review = try PodObject(root, path: "", known: nil)
        guard try review.string("apiVersion") == apiVersion else {
            throw .invalidField(
                field: "apiVersion",
                reason: "securerun speaks \(apiVersion) only; set admissionReviewVersions: [v1] in the webhook configuration (securerun export webhook-config)")
        }
        guard try review.string("kind") == "AdmissionReview" else { throw .invalidField(field: "kind", reason: "expected AdmissionReview") }
        guard let request = try review.object("request", known: nil) else { throw .invalidField(field: "request", reason: "a review carries a request") }
        guard let uid = try request.string("uid"), !uid.isEmpty else { throw .invalidField(field: "request.uid", reason: "a request has a uid") }
        guard let operation = try request.string("operation"), ["CREATE", "UPDATE", "DELETE", "CONNECT"].contains(operation) else {
            throw .invalidField(field: "request.operation", reason: "expected CREATE, UPDATE, DELETE or CONNECT")
        }
        let resource = try request.object("resource", known: nil)
        return AdmissionReviewRequest(
            uid: uid, resource: try resource?.string("resource") ?? "", group: try resource?.string("group") ?? "",
            subResource: try request.string("subResource") ?? "", operation: operation, dryRun: try request.bool("dryRun") ?? false,
            object: request.node("object"), oldObject: request.node("oldObject"))
    }
}

/// The answer to a review: `allowed`, and for a denial `status.code` 403 and `status.message`.
public struct AdmissionReviewResponse: Sendable, Equatable {
    public var uid: String
    public var allowed: Bool
    public var message: String?

    public init(uid: String, allowed: Bool, message: String? = nil) {
        self.uid = uid
        self.allowed = allowed
        self.message = message
    }

    struct Envelope: Encodable {
        struct Status: Encodable {
            var code: Int
            var message: String
        }
        struct Response: Encodable {
            var uid: String
            var allowed: Bool
            var status: Status?
        }
        var apiVersion = AdmissionReviewRequest.apiVersion
        var kind = "AdmissionReview"
        var response: Response
    }

    /// The review the API server reads.
    public func encoded() -> [UInt8] {
        let status = allowed ? nil : Envelope.Status(code: 403, message: message ?? "refused by securerun")
        let envelope = Envelope(response: .init(uid: uid, allowed: allowed, status: status))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Plain strings, numbers and booleans always encode.
        return (try? Array(encoder.encode(envelope))) ?? []
    }
}
