/// A size in bytes parsed from docker's notation (`512m`, `1g`, `65536`, `64k`).
public struct ByteSize: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The size in bytes.
    public let bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    /// Parses `N[b|k|m|g|t]` (binary multiples, case-insensitive, optional trailing `b` as in `512mb`).
    public init?(parsing text: String) {
        var digits = Substring(text.lowercased())
        if digits.hasSuffix("b"), digits.count > 1, let beforeB = digits.dropLast().last, beforeB.isLetter {
            digits = digits.dropLast()
        }
        var multiplier: Int64 = 1
        switch digits.last {
        case "b": multiplier = 1; digits = digits.dropLast()
        case "k": multiplier = 1 << 10; digits = digits.dropLast()
        case "m": multiplier = 1 << 20; digits = digits.dropLast()
        case "g": multiplier = 1 << 30; digits = digits.dropLast()
        case "t": multiplier = 1 << 40; digits = digits.dropLast()
        default: break
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int64(digits), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        bytes = product
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    /// The shortest exact docker notation (`512m`), or plain bytes.
    public var description: String {
        for (suffix, shift) in [("g", 30), ("m", 20), ("k", 10)] as [(String, Int64)] {
            let unit = Int64(1) << shift
            if bytes >= unit, bytes % unit == 0 { return "\(bytes / unit)\(suffix)" }
        }
        return "\(bytes)"
    }
}
