import CCap
import Glibc

/// A Linux capability, known to libcap by number and by name (`CAP_SYS_ADMIN`).
public struct Capability: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The kernel's capability number.
    public let number: Int32

    /// Parses a capability name the way docker does: case-insensitive, `CAP_` prefix optional.
    public init(parsing text: String) throws(CapabilityError) {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { throw .unknown(name: text) }
        let upper = trimmed.uppercased()
        let full = upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
        var value: cap_value_t = 0
        // libcap knows the names for the capabilities it was built with, in lower case.
        let rc = cap_from_name(full.lowercased(), &value)
        guard rc == 0, value >= 0, value <= Capability.lastNumber else { throw .unknown(name: text) }
        number = value
    }

    /// Wraps a capability number the running kernel knows.
    public init?(number: Int32) {
        guard number >= 0, number <= Capability.lastNumber else { return nil }
        self.number = number
    }

    /// The canonical name, upper case with the `CAP_` prefix, as the OCI runtime spec writes it.
    public var name: String {
        guard let cString = cap_to_name(number) else { return "CAP_\(number)" }
        defer { cap_free(UnsafeMutableRawPointer(cString)) }
        return String(cString: cString).uppercased()
    }

    public var description: String { name }

    public static func < (lhs: Capability, rhs: Capability) -> Bool { lhs.number < rhs.number }

    /// The highest capability number the running kernel supports (libcap asks the kernel).
    public static var lastNumber: Int32 {
        let bits = cap_max_bits()
        return Int32(bits) - 1
    }

    /// Every capability the running kernel supports, in number order.
    public static var all: [Capability] {
        (0...lastNumber).compactMap { Capability(number: $0) }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Capability(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Why a capability name could not be used.
public enum CapabilityError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknown(name: String)

    public var description: String {
        switch self {
        case .unknown(let name):
            return "unknown capability \"\(name)\" (libcap does not know it; use a name such as NET_BIND_SERVICE or CAP_CHOWN)"
        }
    }
}

extension Capability {
    /// Parses a docker-style list where `ALL` stands for every capability.
    public static func parseList(_ names: [String]) throws(CapabilityError) -> Set<Capability> {
        var result = Set<Capability>()
        for name in names {
            if name.trimmingWhitespace.uppercased() == "ALL" {
                result.formUnion(all)
            } else {
                result.insert(try Capability(parsing: name))
            }
        }
        return result
    }
}

extension String {
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
