import StrictJSON

/// Field paths of a parsed JSON document with their positions (members at their key, items at their value),
/// in the spelling StrictJSON's decoding errors use (`syscalls[3].names[0]`), found in the document when a
/// finding asks: building every path up front cost a string per value (and a key's length per level), 80 MB
/// for an 8 MiB seccomp profile.
enum JSONIndex {
    static func build(_ root: JSONNode) -> PositionIndex {
        PositionIndex { path in resolve(path, in: root) }
    }

    static func position(_ position: JSONPosition) -> SourcePosition {
        SourcePosition(line: position.line, column: position.column)
    }

    /// The position `path` names in `root`, if it names one. A key may itself hold `.` or `[`: the longest
    /// key that the path goes on from is taken.
    static func resolve(_ path: Substring, in root: JSONNode) -> SourcePosition? {
        var node = root
        var found = root.position
        var rest = path
        while !rest.isEmpty {
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]),
                    case .array(let elements) = node.value, elements.indices.contains(index)
                else { return nil }
                node = elements[index]
                found = node.position
                rest = rest[rest.index(after: close)...]
            } else {
                guard case .object(let members) = node.value else { return nil }
                var best: JSONMember?
                for member in members where rest.hasPrefix(member.key) && member.key.count > (best?.key.count ?? -1) {
                    let after = rest.dropFirst(member.key.count)
                    if after.isEmpty || after.first == "." || after.first == "[" { best = member }
                }
                guard let best else { return nil }
                node = best.value
                found = best.keyPosition
                rest = rest.dropFirst(best.key.count)
            }
            if rest.first == "." { rest = rest.dropFirst() }
        }
        return position(found)
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
