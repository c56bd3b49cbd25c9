/// The number and boolean syntaxes docker's flag library (spf13/pflag) reads values with, so a value means
/// what it means to docker: pflag parses integers with Go's `strconv.ParseInt(s, 0, 64)` (base prefixes
/// `0x`, `0o`, `0b` and a leading `0` for octal; `_` between digits) and booleans with `strconv.ParseBool`.
enum GoSyntax {
    /// `strconv.ParseBool`: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False.
    static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: return nil
        }
    }

    /// `strconv.ParseInt(text, 0, 64)`.
    static func parseInt(_ text: String) -> Int64? {
        var chars = Array(text.utf8)
        guard !chars.isEmpty else { return nil }
        var negative = false
        if chars[0] == UInt8(ascii: "+") || chars[0] == UInt8(ascii: "-") {
            negative = chars[0] == UInt8(ascii: "-")
            chars.removeFirst()
        }
        guard !chars.isEmpty else { return nil }
        var base: UInt64 = 10
        var prefixed = false
        if chars[0] == UInt8(ascii: "0"), chars.count > 1 {
            switch chars[1] | 0x20 {
            case UInt8(ascii: "x"): base = 16; chars.removeFirst(2); prefixed = true
            case UInt8(ascii: "o"): base = 8; chars.removeFirst(2); prefixed = true
            case UInt8(ascii: "b"): base = 2; chars.removeFirst(2); prefixed = true
            default: base = 8; chars.removeFirst(); prefixed = true
            }
        }
        // Underscores only between digits, or between the base prefix and a digit (Go's underscoreOK).
        var previousWasDigit = prefixed
        var sawDigit = false
        var magnitude: UInt64 = 0
        for char in chars {
            if char == UInt8(ascii: "_") {
                guard previousWasDigit else { return nil }
                previousWasDigit = false
                continue
            }
            guard let digit = digitValue(char), digit < base else { return nil }
            let (times, overflowTimes) = magnitude.multipliedReportingOverflow(by: base)
            let (sum, overflowSum) = times.addingReportingOverflow(digit)
            guard !overflowTimes, !overflowSum else { return nil }
            magnitude = sum
            previousWasDigit = true
            sawDigit = true
        }
        // "0x" alone is not a number, nor is a trailing underscore.
        guard previousWasDigit, sawDigit else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    static func digitValue(_ char: UInt8) -> UInt64? {
        switch char {
        case 48...57: return UInt64(char - 48)
        case 97...102: return UInt64(char - 87)
        case 65...70: return UInt64(char - 55)
        default: return nil
        }
    }
}
