/// A size in bytes, written in docker's notation (`512m`, `1.5g`, `64MiB`, `65536`).
public struct ByteSize: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The size in bytes.
    public let bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    /// Parses a size exactly as docker/go-units `RAMInBytes` does (docker uses it for `-m`, `--memory-swap`,
    /// `--memory-reservation`, `--shm-size` and `--mount tmpfs-size`): a number as Go's `ParseFloat` reads
    /// it (`1.5`, `.5`, `1e3`, `0x1p4`), optionally one space, then an optional unit `k m g t p`
    /// (case-insensitive, powers of 1024) optionally followed by `b` or `ib`, or just `b`. The product is
    /// truncated to whole bytes (`0.3` is 0). Refused as docker refuses them: negative numbers, `512Mi`,
    /// `32bm`, `1.2.3`, `0x10`, a leading space, two spaces; and, where Go's conversion would overflow,
    /// sizes of 2^63 bytes or more. (docker accepts one trailing space, `32 `, and so does this.)
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        // The number ends at the last digit, dot or space (go-units: strings.LastIndexAny(s, "0123456789. ")).
        guard let separator = bytes.lastIndex(where: { (48...57).contains($0) || $0 == 46 || $0 == 32 }) else { return nil }
        let number = bytes[..<(bytes[separator] == 32 ? separator : separator + 1)]
        let suffix = bytes[(separator + 1)...].map { $0 | 0x20 }
        guard let value = GoFloat.parse(String(decoding: number, as: UTF8.self)), value >= 0 else { return nil }
        var multiplier = 1.0
        if let unit = suffix.first {
            guard suffix.count <= 3 else { return nil }
            if unit == UInt8(ascii: "b") {
                guard suffix.count == 1 else { return nil }
            } else {
                guard let shift = Self.unitShifts[unit] else { return nil }
                multiplier = Double(Int64(1) << shift)
                if suffix.count == 2, suffix[1] != UInt8(ascii: "b") { return nil }
                if suffix.count == 3, suffix[1] != UInt8(ascii: "i") || suffix[2] != UInt8(ascii: "b") { return nil }
            }
        }
        let product = value * multiplier
        guard product.isFinite, product < 9_223_372_036_854_775_808.0 else { return nil }
        self.bytes = Int64(product)
    }

    static let unitShifts: [UInt8: Int64] = [
        UInt8(ascii: "k"): 10, UInt8(ascii: "m"): 20, UInt8(ascii: "g"): 30, UInt8(ascii: "t"): 40, UInt8(ascii: "p"): 50,
    ]

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

/// Go's `strconv.ParseFloat(s, 64)` syntax: an optional sign; decimal digits with an optional fraction and
/// exponent (`1`, `1.`, `.5`, `1e3`); or a hexadecimal mantissa with a mandatory `p` exponent (`0x1p4`),
/// where underscores may separate digits. `inf` and `nan` need no digits and never reach it here.
enum GoFloat {
    static func parse(_ text: String) -> Double? {
        var chars = Array(text.utf8)
        guard !chars.isEmpty else { return nil }
        var sign = 1.0
        if chars[0] == UInt8(ascii: "+") || chars[0] == UInt8(ascii: "-") {
            if chars[0] == UInt8(ascii: "-") { sign = -1 }
            chars.removeFirst()
        }
        if chars.count > 2, chars[0] == UInt8(ascii: "0"), chars[1] | 0x20 == UInt8(ascii: "x") {
            return hex(Array(chars[2...])).map { sign * $0 }
        }
        var index = 0
        var digits = 0
        while index < chars.count, isDigit(chars[index]) {
            index += 1
            digits += 1
        }
        if index < chars.count, chars[index] == UInt8(ascii: ".") {
            index += 1
            while index < chars.count, isDigit(chars[index]) {
                index += 1
                digits += 1
            }
        }
        guard digits > 0 else { return nil }
        if index < chars.count, chars[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < chars.count, chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") { index += 1 }
            let start = index
            while index < chars.count, isDigit(chars[index]) { index += 1 }
            guard index > start else { return nil }
        }
        guard index == chars.count, let value = Double(String(decoding: chars, as: UTF8.self)), value.isFinite else { return nil }
        return sign * value
    }

    /// `MANTISSA p EXPONENT` after `0x`: Go requires the exponent for hexadecimal floats.
    static func hex(_ chars: [UInt8]) -> Double? {
        var cleaned: [UInt8] = []
        var previousWasDigit = true  // the base prefix counts as a digit for underscores
        var index = 0
        var digits = 0
        var sawPoint = false
        while index < chars.count, chars[index] | 0x20 != UInt8(ascii: "p") {
            let char = chars[index]
            if char == UInt8(ascii: "_") {
                guard previousWasDigit else { return nil }
                previousWasDigit = false
            } else if char == UInt8(ascii: ".") {
                guard !sawPoint else { return nil }
                sawPoint = true
                previousWasDigit = false
                cleaned.append(char)
            } else if isHexDigit(char) {
                digits += 1
                previousWasDigit = true
                cleaned.append(char)
            } else {
                return nil
            }
            index += 1
        }
        guard digits > 0, index < chars.count, chars.last != UInt8(ascii: "_") else { return nil }
        index += 1
        var exponent = [UInt8(ascii: "p")]
        if index < chars.count, chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") {
            exponent.append(chars[index])
            index += 1
        }
        let start = index
        while index < chars.count, isDigit(chars[index]) {
            exponent.append(chars[index])
            index += 1
        }
        guard index > start, index == chars.count else { return nil }
        guard let value = Double("0x" + String(decoding: cleaned + exponent, as: UTF8.self)), value.isFinite else { return nil }
        return value
    }

    static func isDigit(_ char: UInt8) -> Bool { (48...57).contains(char) }
    static func isHexDigit(_ char: UInt8) -> Bool { isDigit(char) || (97...102).contains(char | 0x20) }
}
