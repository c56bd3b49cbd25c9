import Yams

/// Exact limits on a composed profile, checked without recursion before anything decodes it, and the
/// rule that a profile has one reading: every mapping key is a plain name given once.
///
/// Yams 5.0.1 keeps the last of two equal keys (`blockAt: CRITICAL` then `blockAt: LOW` reads as LOW)
/// while other YAML readers keep the first or refuse, and it silently drops keys with a custom tag
/// (`!x allowUnattested: true`); a profile that two readers would see differently is refused.
enum ProfileTreeBounds {
    /// Nesting of mappings and sequences (a profile uses four: admission.ignore[].id).
    static let maxDepth = 32
    /// Values visited, aliases expanded (an alias "bomb" repeats nodes exponentially).
    static let maxNodes = 100_000

    static func check(_ root: Node, path: String) throws(PolicyError) {
        func refuse(_ field: String, _ node: Node, _ reason: String) -> PolicyError {
            let place = node.mark.map { "line \($0.line), column \($0.column): " } ?? ""
            return .invalidField(path: path, field: field.isEmpty ? "(document)" : field, reason: place + reason)
        }
        var pending: [(node: Node, depth: Int, field: String)] = [(root, 0, "")]
        var visited = 0
        while let (node, depth, field) = pending.popLast() {
            visited += 1
            if visited > maxNodes {
                throw refuse(field, node, "more than \(maxNodes) values (aliases expanded); a profile has a few dozen")
            }
            switch node {
            case .scalar:
                continue
            case .sequence(let sequence):
                if depth >= maxDepth { throw refuse(field, node, "values nest more than \(maxDepth) levels deep") }
                for (index, child) in sequence.enumerated() {
                    pending.append((child, depth + 1, "\(field)[\(index)]"))
                }
            case .mapping(let mapping):
                if depth >= maxDepth { throw refuse(field, node, "values nest more than \(maxDepth) levels deep") }
                var seen: [String: Node] = [:]
                for (key, value) in mapping {
                    let tag = key.tag.description
                    guard case .scalar(let scalar) = key, [Tag.Name.str, .merge, .value].map(\.rawValue).contains(tag) else {
                        throw refuse(field, key, "a key must be a plain name (\(describe(key)) is not)")
                    }
                    let name = scalar.string
                    let child = field.isEmpty ? name : "\(field).\(name)"
                    if tag == Tag.Name.merge.rawValue || name == "<<" {
                        throw refuse(child, key, "YAML merge keys (<<) are not supported in profiles; write the fields out")
                    }
                    if let first = seen[name] {
                        let firstLine = first.mark.map { " (first on line \($0.line))" } ?? ""
                        throw refuse(child, key, "given twice\(firstLine); a profile must say each field once")
                    }
                    seen[name] = key
                    pending.append((value, depth + 1, child))
                }
            @unknown default:
                throw refuse(field, node, "a YAML node securerun does not know")
            }
        }
    }

    private static func describe(_ key: Node) -> String {
        switch key {
        case .scalar(let scalar): return "\"\(scalar.string)\" tagged \(key.tag.description)"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        @unknown default: return "this node"
        }
    }
}
