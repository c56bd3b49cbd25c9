import StrictJSON

/// One JSON object of an Engine API body, read the way securerun needs it read: every key must be one the
/// Engine API has at that place, spelt exactly. dockerd's Go decoder matches keys without regard to case
/// (and folds `ſ` to `s` and `K` to `k`) and ignores keys it does not know, so a key securerun skipped
/// could still set a field for the engine (`"privileged": true`); an unknown or differently spelt key is
/// therefore refused, not skipped. Values must have the Engine API's types; `null` reads as absent, as Go
/// leaves the field at its zero value.
struct BodyObject {
    /// Where this object is in the body (`HostConfig`, `HostConfig.Mounts[1]`), for messages.
    let path: String
    let members: [String: JSONNode]
    let endpoint: String

    init(_ node: JSONNode, path: String, known: Set<String>, endpoint: String) throws(EnginePluginError) {
        guard case .object(let list) = node.value else {
            throw .invalidBody(endpoint: endpoint, field: path, reason: "expected an object, found \(node.value.kind)")
        }
        var members: [String: JSONNode] = [:]
        for member in list {
            guard known.contains(member.key) else {
                let field = path.isEmpty ? member.key : "\(path).\(member.key)"
                let lower = member.key.lowercased()
                if let near = known.first(where: { $0.lowercased() == lower }) {
                    throw .invalidBody(
                        endpoint: endpoint, field: field,
                        reason: "the engine reads this key as \(near) (its JSON decoder ignores case) while it is spelt otherwise; spell it \(near)")
                }
                throw .invalidBody(
                    endpoint: endpoint, field: field,
                    reason:
                        "the Engine API has no such field here, and securerun refuses what it cannot judge (the engine's decoder may read a key securerun does not know)"
                )
            }
            members[member.key] = member.value
        }
        self.path = path
        self.members = members
        self.endpoint = endpoint
    }

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func wrong(_ key: String, _ expected: String, _ node: JSONNode) -> EnginePluginError {
        .invalidBody(endpoint: endpoint, field: field(key), reason: "expected \(expected), found \(node.value.kind)")
    }

    /// The member, or nil when absent or null.
    func node(_ key: String) -> JSONNode? {
        guard let node = members[key] else { return nil }
        if case .null = node.value { return nil }
        return node
    }

    func string(_ key: String) throws(EnginePluginError) -> String? {
        guard let node = node(key) else { return nil }
        guard case .string(let text) = node.value else { throw wrong(key, "a string", node) }
        return text
    }

    func bool(_ key: String) throws(EnginePluginError) -> Bool? {
        guard let node = node(key) else { return nil }
        guard case .bool(let value) = node.value else { throw wrong(key, "true or false", node) }
        return value
    }

    func int64(_ key: String) throws(EnginePluginError) -> Int64? {
        guard let node = node(key) else { return nil }
        guard case .number(let text) = node.value, let value = Self.integer(text) else {
            throw wrong(key, "a whole number that fits 64 bits", node)
        }
        return value
    }

    /// A list of strings; with `orString`, a single string is a one-element list (docker's `StrSlice`).
    func strings(_ key: String, orString: Bool = false) throws(EnginePluginError) -> [String]? {
        guard let node = node(key) else { return nil }
        if orString, case .string(let text) = node.value { return [text] }
        guard case .array(let elements) = node.value else { throw wrong(key, "a list of strings", node) }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element.value else {
                throw .invalidBody(endpoint: endpoint, field: "\(field(key))[\(index)]", reason: "expected a string, found \(element.value.kind)")
            }
            result.append(text)
        }
        return result
    }

    /// An object of strings (`Labels`, `Tmpfs`, `Sysctls`), in document order.
    func stringMap(_ key: String) throws(EnginePluginError) -> [(key: String, value: String)]? {
        guard let node = node(key) else { return nil }
        guard case .object(let list) = node.value else { throw wrong(key, "an object of strings", node) }
        var result: [(String, String)] = []
        for member in list {
            guard case .string(let text) = member.value.value else {
                throw .invalidBody(
                    endpoint: endpoint, field: "\(field(key)).\(member.key)", reason: "expected a string, found \(member.value.value.kind)")
            }
            result.append((member.key, text))
        }
        return result
    }

    /// The keys of an object whose values are not judged (`ExposedPorts`, `Volumes`: `{"80/tcp": {}}`).
    func keys(_ key: String) throws(EnginePluginError) -> [String]? {
        guard let node = node(key) else { return nil }
        guard case .object(let list) = node.value else { throw wrong(key, "an object", node) }
        return list.map(\.key)
    }

    func object(_ key: String, known: Set<String>) throws(EnginePluginError) -> BodyObject? {
        guard let node = node(key) else { return nil }
        return try BodyObject(node, path: field(key), known: known, endpoint: endpoint)
    }

    func objects(_ key: String, known: Set<String>) throws(EnginePluginError) -> [BodyObject]? {
        guard let node = node(key) else { return nil }
        guard case .array(let elements) = node.value else { throw wrong(key, "a list of objects", node) }
        var result: [BodyObject] = []
        for (index, element) in elements.enumerated() {
            result.append(try BodyObject(element, path: "\(field(key))[\(index)]", known: known, endpoint: endpoint))
        }
        return result
    }

    /// Whether the member is present with a value other than its zero (`0`, `""`, `false`, `[]`, `{}`).
    func isSet(_ key: String) -> Bool {
        guard let node = node(key) else { return false }
        switch node.value {
        case .null: return false
        case .bool(let value): return value
        case .number(let text): return Self.integer(text) != 0
        case .string(let text): return !text.isEmpty
        case .array(let elements): return !elements.isEmpty
        case .object(let members): return !members.isEmpty
        }
    }

    /// A JSON number as Go reads it into an int64: an integer literal in range (no fraction, no exponent).
    static func integer(_ text: String) -> Int64? {
        guard !text.contains("."), !text.contains("e"), !text.contains("E") else { return nil }
        return Int64(text)
    }
}
