import StrictJSON

/// One JSON object of a pod, read strictly: every key must be one the pod API has at that place (the API
/// server drops unknown fields before a webhook sees them, so an unknown key here is a field of a newer API
/// that securerun cannot judge, and is refused). `null` reads as absent, as the API server's decoder does.
/// Paths are the pod's own (`spec.containers[0].securityContext`), so a refusal names the field to fix.
struct PodObject {
    /// Where this object is (`spec.containers[0]`).
    let path: String
    let members: [String: JSONNode]

    /// Reads `node` as an object whose keys are all in `known`; with `known` nil, any key is accepted
    /// (metadata, status: nothing in them changes what runs).
    init(_ node: JSONNode, path: String, known: Set<String>?) throws(KubernetesAdmissionError) {
        guard case .object(let list) = node.value else {
            throw .invalidField(field: path, reason: "expected an object, found \(node.value.kind)")
        }
        var members: [String: JSONNode] = [:]
        for member in list {
            if let known, !known.contains(member.key) {
                throw .unknownField(field: path.isEmpty ? member.key : "\(path).\(member.key)")
            }
            members[member.key] = member.value
        }
        self.path = path
        self.members = members
    }

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func wrong(_ key: String, _ expected: String, _ node: JSONNode) -> KubernetesAdmissionError {
        .invalidField(field: field(key), reason: "expected \(expected), found \(node.value.kind)")
    }

    /// The member, or nil when absent or null.
    func node(_ key: String) -> JSONNode? {
        guard let node = members[key] else { return nil }
        if case .null = node.value { return nil }
        return node
    }

    func string(_ key: String) throws(KubernetesAdmissionError) -> String? {
        guard let node = node(key) else { return nil }
        guard case .string(let text) = node.value else { throw wrong(key, "a string", node) }
        return text
    }

    func bool(_ key: String) throws(KubernetesAdmissionError) -> Bool? {
        guard let node = node(key) else { return nil }
        guard case .bool(let value) = node.value else { throw wrong(key, "true or false", node) }
        return value
    }

    /// An integer field (`runAsUser`): an integer literal that fits 64 bits, as the API's int64 fields are.
    func int64(_ key: String) throws(KubernetesAdmissionError) -> Int64? {
        guard let node = node(key) else { return nil }
        guard case .number(let text) = node.value, !text.contains("."), !text.contains("e"), !text.contains("E"), let value = Int64(text) else {
            throw wrong(key, "a whole number", node)
        }
        return value
    }

    func strings(_ key: String) throws(KubernetesAdmissionError) -> [String]? {
        guard let node = node(key) else { return nil }
        guard case .array(let elements) = node.value else { throw wrong(key, "a list of strings", node) }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element.value else {
                throw .invalidField(field: "\(field(key))[\(index)]", reason: "expected a string, found \(element.value.kind)")
            }
            result.append(text)
        }
        return result
    }

    /// A list of whole numbers (`supplementalGroups`).
    func integers(_ key: String) throws(KubernetesAdmissionError) -> [Int64]? {
        guard let node = node(key) else { return nil }
        guard case .array(let elements) = node.value else { throw wrong(key, "a list of numbers", node) }
        var result: [Int64] = []
        for (index, element) in elements.enumerated() {
            guard case .number(let text) = element.value, let value = Int64(text) else {
                throw .invalidField(field: "\(field(key))[\(index)]", reason: "expected a whole number, found \(element.value.kind)")
            }
            result.append(value)
        }
        return result
    }

    /// A quantity (`"256Mi"`, `"500m"`, or a bare number, which the API accepts for quantities too).
    func quantity(_ key: String) throws(KubernetesAdmissionError) -> Quantity? {
        guard let node = node(key) else { return nil }
        let text: String
        switch node.value {
        case .string(let value): text = value
        case .number(let value): text = value
        default: throw wrong(key, "a quantity such as 256Mi or 500m", node)
        }
        guard let quantity = Quantity(parsing: text) else {
            throw .invalidField(field: field(key), reason: "\"\(text)\" is not a Kubernetes quantity (such as 256Mi, 1Gi, 500m or 0.5)")
        }
        return quantity
    }

    func object(_ key: String, known: Set<String>?) throws(KubernetesAdmissionError) -> PodObject? {
        guard let node = node(key) else { return nil }
        return try PodObject(node, path: field(key), known: known)
    }

    func objects(_ key: String, known: Set<String>?) throws(KubernetesAdmissionError) -> [PodObject] {
        guard let node = node(key) else { return [] }
        guard case .array(let elements) = node.value else { throw wrong(key, "a list of objects", node) }
        var result: [PodObject] = []
        for (index, element) in elements.enumerated() {
            result.append(try PodObject(element, path: "\(field(key))[\(index)]", known: known))
        }
        return result
    }

    /// The keys of an object of strings (`nodeSelector`, `limits`), with their values unread.
    func map(_ key: String) throws(KubernetesAdmissionError) -> [JSONMember] {
        guard let node = node(key) else { return [] }
        guard case .object(let list) = node.value else { throw wrong(key, "an object", node) }
        return list
    }
}
