import Yams

/// Field paths of a composed YAML document with Yams' marks (mapping entries at their key, list items at
/// the item), in the same spelling as JSON's (`services.web.cap_add[0]`).
enum YAMLIndex {
    static func build(_ root: Node, prefix: String = "") -> PositionIndex {
        var index = PositionIndex()
        if let mark = root.mark { index.set(prefix, position(mark)) }
        walk(root, path: prefix, into: &index)
        return index
    }

    static func position(_ mark: Mark) -> SourcePosition {
        SourcePosition(line: mark.line, column: mark.column)
    }

    private static func walk(_ node: Node, path: String, into index: inout PositionIndex) {
        if let mapping = node.mapping {
            for (key, value) in mapping {
                let name = key.string ?? "\(key)"
                let child = path.isEmpty ? name : "\(path).\(name)"
                if let mark = key.mark { index.set(child, position(mark)) }
                walk(value, path: child, into: &index)
            }
        } else if let sequence = node.sequence {
            for (offset, item) in sequence.enumerated() {
                let child = "\(path)[\(offset)]"
                if let mark = item.mark { index.set(child, position(mark)) }
                walk(item, path: child, into: &index)
            }
        }
    }
}

extension Node {
    /// The node at a dotted path of mapping keys (`admission.maxScanAge`), if there is one.
    func at(_ path: String) -> Node? {
        var current = self
        for key in path.split(separator: ".") {
            guard let next = current.mapping?[String(key)] else { return nil }
            current = next
        }
        return current
    }

    /// The scalar's text, if this is a scalar.
    var text: String? { scalar?.string }
}
