/// A YAML value as the Kubernetes renderers build it: maps keep their order and may carry comments, so the
/// exported files say why a value is what it is. Emitting from a tree (not by concatenating lines) keeps
/// the indentation right however deep a Kyverno pattern or a pod template nests.
public indirect enum YAMLNode: Sendable, Equatable {
    /// A string, always double-quoted (so `"false"`, `"1.0"` or `"*"` stay strings).
    case string(String)
    /// A scalar written as is: numbers, booleans, and names known to be plain.
    case plain(String)
    /// A literal block scalar (`|`): PEM keys, CEL, rego.
    case block(String)
    /// A mapping in order.
    case map([YAMLEntry])
    /// A sequence.
    case list([YAMLNode])

    /// A boolean scalar.
    public static func bool(_ value: Bool) -> YAMLNode { .plain(value ? "true" : "false") }
    /// An integer scalar.
    public static func int<T: BinaryInteger>(_ value: T) -> YAMLNode { .plain("\(value)") }
    /// A list of double-quoted strings.
    public static func strings(_ values: [String]) -> YAMLNode { .list(values.map { .string($0) }) }
}

/// One key of a YAML mapping, with comment lines written above it.
public struct YAMLEntry: Sendable, Equatable {
    /// The key.
    public var key: String
    /// The value.
    public var value: YAMLNode
    /// Comment lines (without `#`) written above the key.
    public var comments: [String]

    /// An entry.
    public init(_ key: String, _ value: YAMLNode, comments: [String] = []) {
        self.key = key
        self.value = value
        self.comments = comments
    }
}

extension YAMLNode {
    /// The document's text, with `header` comment lines first.
    public func document(header: [String] = []) -> String {
        (header.map { "# " + $0 } + lines(indent: 0)).joined(separator: "\n") + "\n"
    }

    /// Several documents in one stream (`---` between them).
    public static func stream(_ documents: [String]) -> String {
        documents.joined(separator: "---\n")
    }

    func lines(indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .string, .plain, .block:
            return [pad + inline(indent: indent).joined(separator: "\n")]
        case .map(let entries):
            if entries.isEmpty { return [pad + "{}"] }
            var out: [String] = []
            for entry in entries {
                out += entry.comments.map { pad + ("# " + $0).trimmingTrailingSpaces }
                let key = pad + Self.key(entry.key) + ":"
                switch entry.value {
                case .map(let inner) where !inner.isEmpty:
                    out.append(key)
                    out += entry.value.lines(indent: indent + 2)
                case .list(let items) where !items.isEmpty:
                    out.append(key)
                    out += entry.value.lines(indent: indent + 2)
                default:
                    let value = entry.value.inline(indent: indent + 2)
                    out.append(key + " " + value[0])
                    out += value.dropFirst()
                }
            }
            return out
        case .list(let items):
            if items.isEmpty { return [pad + "[]"] }
            var out: [String] = []
            for item in items {
                if item.isNonEmptyCollection {
                    var inner = item.lines(indent: indent + 2)
                    inner[0] = pad + "- " + inner[0].dropFirst(indent + 2)
                    out += inner
                } else {
                    let value = item.inline(indent: indent + 2)
                    out.append(pad + "- " + value[0])
                    out += value.dropFirst()
                }
            }
            return out
        }
    }

    private var isNonEmptyCollection: Bool {
        switch self {
        case .map(let entries): return !entries.isEmpty
        case .list(let items): return !items.isEmpty
        default: return false
        }
    }

    /// The value as it follows `key: ` (or `- `): one line, or `|` and the block's lines.
    private func inline(indent: Int) -> [String] {
        switch self {
        case .string(let text): return [Self.quoted(text)]
        case .plain(let text): return [text]
        case .block(let text):
            let pad = String(repeating: " ", count: indent)
            let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
            // `|` keeps the final newline; an empty line stays empty (no trailing spaces).
            return ["|"] + body.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : pad + $0 }
        case .map(let entries) where entries.isEmpty: return ["{}"]
        case .list(let items) where items.isEmpty: return ["[]"]
        case .map, .list: return lines(indent: indent)
        }
    }

    /// A key as written: plain when it is a safe word (Kyverno's `=(initContainers)` and `X(hostPath)`
    /// included), else double-quoted.
    static func key(_ text: String) -> String {
        let safe =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                    || "_.-/=()".unicodeScalars.contains(scalar)
            } && !text.hasPrefix("-") && !["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"].contains(text.lowercased())
        return safe ? text : quoted(text)
    }

    /// A YAML double-quoted scalar (JSON's escapes are YAML's).
    static func quoted(_ text: String) -> String { ComposeRenderer.quoted(text) }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
