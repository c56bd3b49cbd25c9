/// Why a document was refused. Messages name the position (and, for decoding, the field path) so the
/// caller only has to prefix the file.
public enum JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not JSON as RFC 8259 defines it.
    case syntax(JSONPosition, reason: String)
    /// An object has the same key twice. Readers disagree on which one wins (first for some, last for jq
    /// and Python), so a document that two tools would read differently is refused outright.
    case duplicateKey(key: String, path: String, first: JSONPosition, second: JSONPosition)
    /// The document is larger than the caller allows.
    case tooLarge(bytes: Int, limit: Int)
    /// Values nest deeper than the caller allows.
    case tooDeep(JSONPosition, limit: Int)
    /// The document parsed, but a field does not have the shape the reader needs.
    case decoding(path: String, position: JSONPosition?, reason: String)

    public var description: String {
        switch self {
        case .syntax(let position, let reason):
            return "not valid JSON at \(position): \(reason)"
        case .duplicateKey(let key, let path, let first, let second):
            let place = path.isEmpty ? "" : " in \(path)"
            return "duplicate key \"\(key)\"\(place) at \(second) (first at \(first)); a document must say each field once"
        case .tooLarge(let bytes, let limit):
            return "document is \(bytes) bytes, over the limit of \(limit) bytes"
        case .tooDeep(let position, let limit):
            return "values nest more than \(limit) levels deep at \(position)"
        case .decoding(let path, let position, let reason):
            let place = position.map { " (\($0))" } ?? ""
            return "field \(path.isEmpty ? "(document)" : path)\(place): \(reason)"
        }
    }
}

/// Size and depth bounds for one document.
public struct JSONLimits: Sendable, Equatable {
    /// Largest document accepted, in bytes.
    public var maxBytes: Int
    /// Deepest nesting of arrays and objects accepted.
    public var maxDepth: Int

    /// Limits.
    public init(maxBytes: Int, maxDepth: Int) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    /// 64 MiB and 64 levels: far beyond any manifest, profile, envelope or scanner report seen, and small
    /// enough that a hostile document cannot exhaust memory or the stack.
    public static let `default` = JSONLimits(maxBytes: 64 << 20, maxDepth: 64)
}
