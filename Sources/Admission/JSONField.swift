import Foundation
import StrictJSON

/// One value of a strictly parsed document and the path that leads to it (`predicate.scanner.result`,
/// `Results[2].Vulnerabilities[0].Severity`), so every complaint names the field and where it is.
struct JSONField {
    let node: JSONNode
    let path: String

    init(_ node: JSONNode, path: String = "") {
        self.node = node
        self.path = path
    }

    /// A problem with this field, as a one-line `JSONError` naming it.
    func problem(_ reason: String) -> JSONError {
        .decoding(path: path, position: node.position, reason: reason)
    }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The member `key`, nil when absent.
    func member(_ key: String) throws(JSONError) -> JSONField? {
        guard case .object(let members) = node.value else { throw problem("expected an object, found \(node.value.kind)") }
        return members.first { $0.key == key }.map { JSONField($0.value, path: child(key)) }
    }

    /// The member `key`, nil when absent or null.
    func optional(_ key: String) throws(JSONError) -> JSONField? {
        guard let field = try member(key), field.node.value != .null else { return nil }
        return field
    }

    /// The member `key`, which must be present and not null.
    func required(_ key: String) throws(JSONError) -> JSONField {
        guard let field = try member(key) else {
            throw .decoding(path: child(key), position: node.position, reason: "required field is missing")
        }
        guard field.node.value != .null else { throw field.problem("required field is null") }
        return field
    }

    /// Whether this object has the member `key` (null or not).
    func has(_ key: String) -> Bool {
        node.value.members?.contains { $0.key == key } ?? false
    }

    /// This value as an object's members (to check it is one).
    func object() throws(JSONError) -> [JSONMember] {
        guard case .object(let members) = node.value else { throw problem("expected an object, found \(node.value.kind)") }
        return members
    }

    /// This value as a list of fields.
    func array() throws(JSONError) -> [JSONField] {
        guard case .array(let elements) = node.value else { throw problem("expected a list, found \(node.value.kind)") }
        return elements.enumerated().map { JSONField($0.element, path: "\(path)[\($0.offset)]") }
    }

    /// This value as a string.
    func string() throws(JSONError) -> String {
        guard case .string(let text) = node.value else { throw problem("expected a string, found \(node.value.kind)") }
        return text
    }

    /// This value as a string that is not empty.
    func nonEmptyString() throws(JSONError) -> String {
        let text = try string()
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw problem("must not be empty") }
        return text
    }

    /// This value as a list of strings.
    func strings() throws(JSONError) -> [String] {
        var result: [String] = []
        for element in try array() { result.append(try element.string()) }
        return result
    }

    /// This value as a whole number.
    func integer() throws(JSONError) -> Int {
        guard case .number(let text) = node.value else { throw problem("expected a whole number, found \(node.value.kind)") }
        guard let value = Int(text, radix: 10) else { throw problem("expected a whole number, found \(text)") }
        return value
    }
}

extension JSONParser {
    /// Parses `data` with `limits`, with failures as `JSONError`.
    static func field(_ data: Data, limits: JSONLimits) throws(JSONError) -> JSONField {
        JSONField(try parse(data, limits: limits))
    }
}
