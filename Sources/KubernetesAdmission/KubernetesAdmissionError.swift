/// Why a document could not be judged: a review or pod that is not what the Kubernetes API sends, read
/// strictly (what cannot be read is refused, never skipped). The webhook answers these with HTTP 400.
public enum KubernetesAdmissionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not JSON securerun reads (duplicate keys, bad UTF-8, too large, too deep).
    case notJSON(source: String, reason: String)
    /// A field is missing, of the wrong type, or has a value securerun cannot read.
    case invalidField(field: String, reason: String)
    /// A field the API has no such name for at that place (a newer API's field securerun cannot judge, or a typo).
    case unknownField(field: String)

    public var description: String {
        switch self {
        case .notJSON(let source, let reason):
            return "\(source) is not JSON securerun can read: \(reason)"
        case .invalidField(let field, let reason):
            return "\(field): \(reason)"
        case .unknownField(let field):
            return
                "\(field): the pod API has no such field here, and securerun refuses what it cannot judge (a newer Kubernetes field, or a misspelling); remove it or upgrade securerun"
        }
    }
}
