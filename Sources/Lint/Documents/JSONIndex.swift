import StrictJSON

/// Field paths of a parsed JSON document with their positions (members at their key, items at their value),
/// in the spelling StrictJSON's decoding errors use (`syscalls[3].names[0]`).
enum JSONIndex {
    static func build(_ root: JSONNode, prefix: String = "") -> PositionIndex {
        var index = PositionIndex()
        index.set(prefix, position(root.position))
        walk(root, path: prefix, into: &index)
        return index
    }

    static func position(_ position: JSONPosition) -> SourcePosition {
        SourcePosition(line: position.line, column: position.column)
    }

    private static func walk(_ node: JSONNode, path: String, into index: inout PositionIndex) {
        switch node.value {
        case .object(let members):
            for member in members {
                let child = path.isEmpty ? member.key : "\(path).\(member.key)"
                index.set(child, position(member.keyPosition))
                walk(member.value, path: child, into: &index)
            }
        case .array(let elements):
            for (offset, element) in elements.enumerated() {
                let child = "\(path)[\(offset)]"
                index.set(child, position(element.position))
                walk(element, path: child, into: &index)
            }
        default:
            break
        }
    }

    /// The node at a dotted path of object keys (`process.user.uid`), if there is one.
    static func node(_ root: JSONNode, _ path: String) -> JSONNode? {
        var current = root
        for key in path.split(separator: ".") {
            guard let next = current.value[String(key)] else { return nil }
            current = next
        }
        return current
    }
}

extension JSONValue {
    /// The number as an integer, if it is one.
    var integer: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }

    /// The boolean, if this is one.
    var boolean: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}
