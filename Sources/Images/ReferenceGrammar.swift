/// The distribution reference grammar's pieces, matched on bytes. These were regex literals, which Swift
/// compiles at run time on every use: a measurable part of resolving the image on each `run`.
enum ReferenceGrammar {
    /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
    static func isTag(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= 128, isAlphanumeric(first) || first == UInt8(ascii: "_") else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`: lower-case runs joined by `.`, `_`, `__` or dashes.
    static func isComponent(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last) else { return false }
        var index = 0
        while index < bytes.count {
            if isLowerAlphanumeric(bytes[index]) {
                index += 1
                continue
            }
            var end = index
            while end < bytes.count, !isLowerAlphanumeric(bytes[end]) { end += 1 }
            let separator = bytes[index..<end]
            let dashes = separator.allSatisfy { $0 == UInt8(ascii: "-") }
            guard dashes || Array(separator) == [UInt8(ascii: ".")] || Array(separator) == [UInt8(ascii: "_")] || Array(separator) == Array("__".utf8)
            else { return false }
            index = end
        }
        return true
    }

    /// `(?:label(?:\.label)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?` with label `[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?`.
    static func isRegistry(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        // An optional :port at the end (digits only); a bracketed IPv6 address holds colons of its own.
        if let colon = bytes.lastIndex(of: UInt8(ascii: ":")), bytes.lastIndex(of: UInt8(ascii: "]")).map({ colon > $0 }) ?? true {
            let port = bytes[(colon + 1)...]
            guard !port.isEmpty, port.allSatisfy(isDigit) else { return false }
            bytes = bytes[..<colon]
        }
        if bytes.first == UInt8(ascii: "[") {
            guard bytes.count > 2, bytes.last == UInt8(ascii: "]") else { return false }
            return bytes.dropFirst().dropLast().allSatisfy { isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
        }
        let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return !labels.isEmpty
            && labels.allSatisfy { label in
                guard let first = label.first, let last = label.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
                return label.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
            }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) }
    private static func isAlphanumeric(_ byte: UInt8) -> Bool { isLowerAlphanumeric(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) }
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }
}
