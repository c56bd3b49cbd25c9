/// Where a value starts in the document: 1-based line and column (in bytes) and the 0-based byte offset.
public struct JSONPosition: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in bytes.
    public var column: Int
    /// 0-based byte offset from the start of the document.
    public var offset: Int

    /// A position.
    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "line \(line), column \(column)" }
}

/// One parsed JSON value and where it starts.
public struct JSONNode: Sendable, Equatable {
    /// The value.
    public var value: JSONValue
    /// Where its first byte is.
    public var position: JSONPosition

    /// A node.
    public init(_ value: JSONValue, at position: JSONPosition) {
        self.value = value
        self.position = position
    }
}

/// An object member: its key, where the key starts, and its value.
public struct JSONMember: Sendable, Equatable {
    /// The key, unescaped.
    public var key: String
    /// Where the key's opening quote is.
    public var keyPosition: JSONPosition
    /// The value.
    public var value: JSONNode
}

/// A JSON value as parsed. Objects keep their members in document order; no key appears twice (the
/// parser refuses duplicates). Numbers keep their text, so no precision is lost before a type is chosen.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number exactly as written (RFC 8259 grammar).
    case number(String)
    case string(String)
    case array([JSONNode])
    case object([JSONMember])

    /// The member `key` of an object, if this is one and has it.
    public subscript(key: String) -> JSONNode? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The string, if this is one.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The members, if this is an object.
    public var members: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements, if this is an array.
    public var elements: [JSONNode]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// What kind of value this is, for messages (`an object`, `a string`).
    public var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "true or false"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
