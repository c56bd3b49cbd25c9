import Foundation

/// Decodes `Decodable` types from documents the strict parser accepted, so every reader in securerun
/// that uses Codable gets duplicate-key refusal and size and depth limits for free. Like Foundation's
/// JSONDecoder defaults: `Data` is base64, `URL` a string, `Date` seconds since 2001 (its own Codable).
/// Integers must be written as whole numbers that fit the type (no `1.0`, no `1e3`).
public struct StrictJSONDecoder: Sendable {
    /// The limits documents are parsed with.
    public var limits: JSONLimits

    /// A decoder with `limits`.
    public init(limits: JSONLimits = .default) {
        self.limits = limits
    }

    /// Parses `bytes` strictly and decodes a `T` from them. Parse and shape problems throw `JSONError`;
    /// errors thrown by `T`'s own `init(from:)` pass through unchanged.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try decode(type, from: try JSONParser.parse(bytes, limits: limits))
    }

    /// Decodes a `T` from an already parsed node.
    public func decode<T: Decodable>(_ type: T.Type, from node: JSONNode) throws -> T {
        do {
            return try NodeDecoder(node: node, codingPath: []).decodeValue(type)
        } catch let error as DecodingError {
            throw Self.describe(error, root: node)
        }
    }

    /// A `DecodingError` as a one-line `JSONError.decoding` naming the field and where it is.
    static func describe(_ error: DecodingError, root: JSONNode) -> JSONError {
        func located(_ path: [any CodingKey]) -> (String, JSONPosition?) {
            (pathText(path), locate(path, in: root)?.position)
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let (path, position) = located(context.codingPath)
            return .decoding(path: path, position: position, reason: context.debugDescription)
        case .keyNotFound(let key, let context):
            let (path, position) = located(context.codingPath)
            let field = pathText(context.codingPath + [key])
            return .decoding(path: path, position: position, reason: "required field \(field) is missing")
        @unknown default:
            return .decoding(path: "", position: nil, reason: "\(error)")
        }
    }

    /// `a.b[2].c` for a coding path.
    public static func pathText(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    /// The deepest node along `path` that exists.
    static func locate(_ path: [any CodingKey], in root: JSONNode) -> JSONNode? {
        var node = root
        for key in path {
            if let index = key.intValue, let elements = node.value.elements {
                guard elements.indices.contains(index) else { return node }
                node = elements[index]
            } else if let member = node.value[key.stringValue] {
                node = member
            } else {
                return node
            }
        }
        return node
    }
}

/// A coding key for array positions.
struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

/// The `Decoder` over one node.
struct NodeDecoder: Decoder {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(node.value.kind)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = node.value else { throw mismatch("an object") }
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = node.value else { throw mismatch("a list") }
        return UnkeyedContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }

    /// Decodes `T`, with Foundation's special cases for `URL` and `Data`.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if type == URL.self {
            guard case .string(let text) = node.value, let url = URL(string: text) else { throw mismatch("a URL string") }
            return try cast(url)
        }
        if type == Data.self {
            guard case .string(let text) = node.value else { throw mismatch("a base64 string") }
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "not valid base64"))
            }
            return try cast(data)
        }
        return try T(from: self)
    }

    func cast<T, V>(_ value: V) throws -> T {
        guard let result = value as? T else { throw mismatch(String(describing: T.self)) }
        return result
    }

    func decodeBool() throws -> Bool {
        guard case .bool(let value) = node.value else { throw mismatch("true or false") }
        return value
    }

    func decodeString() throws -> String {
        guard case .string(let value) = node.value else { throw mismatch("a string") }
        return value
    }

    func decodeFloatingPoint<T: LosslessStringConvertible & BinaryFloatingPoint>(_ type: T.Type) throws -> T {
        guard case .number(let text) = node.value, let value = T(text), value.isFinite else { throw mismatch("a number") }
        return value
    }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .number(let text) = node.value else { throw mismatch("a whole number") }
        guard let value = T(text, radix: 10) else {
            let reason =
                text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
                ? "expected a whole number, found \(text)" : "\(text) is out of range for \(T.self)"
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: reason))
        }
        return value
    }
}

/// Decodes primitive values for the containers, so each container's overloads are one line each.
protocol PrimitiveDecoding {
    func child(_ type: Any.Type) throws -> NodeDecoder
}

extension PrimitiveDecoding {
    func primitive<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = try child(type)
        switch type {
        case is Bool.Type: return try decoder.cast(try decoder.decodeBool())
        case is String.Type: return try decoder.cast(try decoder.decodeString())
        case is Double.Type: return try decoder.cast(try decoder.decodeFloatingPoint(Double.self))
        case is Float.Type: return try decoder.cast(try decoder.decodeFloatingPoint(Float.self))
        case is Int.Type: return try decoder.cast(try decoder.decodeInteger(Int.self))
        case is Int8.Type: return try decoder.cast(try decoder.decodeInteger(Int8.self))
        case is Int16.Type: return try decoder.cast(try decoder.decodeInteger(Int16.self))
        case is Int32.Type: return try decoder.cast(try decoder.decodeInteger(Int32.self))
        case is Int64.Type: return try decoder.cast(try decoder.decodeInteger(Int64.self))
        case is UInt.Type: return try decoder.cast(try decoder.decodeInteger(UInt.self))
        case is UInt8.Type: return try decoder.cast(try decoder.decodeInteger(UInt8.self))
        case is UInt16.Type: return try decoder.cast(try decoder.decodeInteger(UInt16.self))
        case is UInt32.Type: return try decoder.cast(try decoder.decodeInteger(UInt32.self))
        case is UInt64.Type: return try decoder.cast(try decoder.decodeInteger(UInt64.self))
        default: return try decoder.decodeValue(type)
        }
    }
}

struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [JSONMember]
    let codingPath: [any CodingKey]
    let byKey: [String: JSONNode]

    init(members: [JSONMember], codingPath: [any CodingKey]) {
        self.members = members
        self.codingPath = codingPath
        // The parser refused duplicates, so every key maps to exactly one value.
        var byKey: [String: JSONNode] = [:]
        for member in members { byKey[member.key] = member.value }
        self.byKey = byKey
    }

    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { byKey[key.stringValue] != nil }

    func node(_ key: Key) throws -> NodeDecoder {
        guard let node = byKey[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "required field \(key.stringValue) is missing"))
        }
        return NodeDecoder(node: node, codingPath: codingPath + [key])
    }

    struct Field: PrimitiveDecoding {
        let container: KeyedContainer
        let key: Key
        func child(_ type: Any.Type) throws -> NodeDecoder {
            let decoder = try container.node(key)
            if case .null = decoder.node.value {
                throw DecodingError.valueNotFound(type, .init(codingPath: decoder.codingPath, debugDescription: "expected a value, found null"))
            }
            return decoder
        }
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let node = byKey[key.stringValue] else { return true }
        return node.value == .null
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try Field(container: self, key: key).primitive(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try Field(container: self, key: key).primitive(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try Field(container: self, key: key).primitive(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try node(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try node(key).unkeyedContainer() }

    func superDecoder() throws -> any Decoder {
        NodeDecoder(node: JSONNode(.object(members), at: JSONPosition(line: 0, column: 0, offset: 0)), codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try node(key) }
}

struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONNode]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(elements: [JSONNode], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func next(_ type: Any.Type) throws -> NodeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [IndexKey(intValue: currentIndex)], debugDescription: "the list ends early"))
        }
        defer { currentIndex += 1 }
        return NodeDecoder(node: elements[currentIndex], codingPath: codingPath + [IndexKey(intValue: currentIndex)])
    }

    struct Element: PrimitiveDecoding {
        let decoder: NodeDecoder
        func child(_ type: Any.Type) throws -> NodeDecoder {
            if case .null = decoder.node.value {
                throw DecodingError.valueNotFound(type, .init(codingPath: decoder.codingPath, debugDescription: "expected a value, found null"))
            }
            return decoder
        }
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if elements[currentIndex].value == .null {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try Element(decoder: try next(type)).primitive(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next(type).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next([Any].self).unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try next(Any.self) }
}

struct SingleContainer: SingleValueDecodingContainer, PrimitiveDecoding {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func child(_ type: Any.Type) throws -> NodeDecoder {
        if case .null = decoder.node.value {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "expected a value, found null"))
        }
        return decoder
    }

    func decodeNil() -> Bool { decoder.node.value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try primitive(type) }
}
