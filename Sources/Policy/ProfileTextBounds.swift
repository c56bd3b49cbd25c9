/// Bounds on a profile's text, checked before Yams sees it.
///
/// Yams composes recursively (one stack frame per nesting level, and frees deep trees recursively too), so
/// a 10 KB profile nested 5,000 levels crashed securerun. This scan computes, without parsing, an upper
/// bound on how deep the document can nest, and refuses the document when the bound is high. The bound
/// may over-count (a `[` inside a quoted string counts) but never under-counts:
///
/// - Flow collections: every `[` and `{` counts, wherever it is, so quoting cannot hide one.
/// - Block collections: libyaml opens a block collection only at a column greater than every open one
///   (a sequence under a mapping key may share the key's column), so at most two are open per column.
///   And it opens them only where a line's leading run of indicators (`- `, `? `, `: `, anchors, tags)
///   ends (`a: - b` and `- &x - b` are errors). So block depth is at most 2 × (the largest column at which
///   such a run ends + 1). Columns restart at every line break libyaml knows (LF, CR, NEL, LS, PS).
/// - Aliases: an alias repeats an anchored node, so each anchor can add the depth of another; the number
///   of anchors (`&` that could start one) is bounded too.
///
/// With these limits a document nests at most 9 × (2 × 64 + 256) = 3,456 levels even through aliases,
/// which Yams composes and frees safely; ``ProfileTreeBounds`` then applies the real, exact limits.
enum ProfileTextBounds {
    /// Profiles are a few kilobytes; a megabyte is generous.
    static let maxBytes = 1 << 20
    /// `[` and `{` in one profile.
    static let maxFlowCollections = 256
    /// The column by which a line's leading indicators must have ended.
    static let maxBlockColumn = 63
    /// YAML anchors (`&name`).
    static let maxAnchors = 8

    static func check(_ bytes: [UInt8], path: String) throws(PolicyError) {
        func refuse(_ line: Int, _ column: Int, _ reason: String) -> PolicyError {
            .invalidField(path: path, field: "(document)", reason: "line \(line), column \(column): \(reason)")
        }
        guard bytes.count <= maxBytes else {
            throw .invalidField(
                path: path, field: "(document)",
                reason: "the file is \(bytes.count) bytes, over the \(maxBytes)-byte limit for profiles (a profile is a few kilobytes)")
        }
        var flow = 0
        var anchors = 0
        var line = 1
        var lineStart = 0
        var index = 0
        while index <= bytes.count {
            let breakLength = index < bytes.count ? lineBreakLength(bytes, at: index) : 1
            if breakLength > 0 {
                let runEnd = leadingRunEnd(bytes, from: lineStart, to: index)
                if runEnd - lineStart > maxBlockColumn {
                    throw refuse(
                        line, runEnd - lineStart + 1,
                        "block collections nest more than \(maxBlockColumn) columns in (indentation and '- ' or '? ' indicators); profiles nest a few levels")
                }
                index += breakLength
                lineStart = index
                line += 1
                continue
            }
            switch bytes[index] {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flow += 1
                if flow > maxFlowCollections {
                    throw refuse(
                        line, index - lineStart + 1,
                        "more than \(maxFlowCollections) '[' or '{'; securerun bounds them so that nesting stays bounded (write long lists one '- item' per line)"
                    )
                }
            case UInt8(ascii: "&") where startsAnchor(bytes, at: index):
                anchors += 1
                if anchors > maxAnchors {
                    throw refuse(line, index - lineStart + 1, "more than \(maxAnchors) YAML anchors ('&name'); profiles need none")
                }
            default: break
            }
            index += 1
        }
    }

    /// The length of the line break at `index` (LF, CR, CRLF, NEL, LS or PS, as libyaml's IS_BREAK), or 0.
    static func lineBreakLength(_ bytes: [UInt8], at index: Int) -> Int {
        switch bytes[index] {
        case 0x0D: return index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
        case 0x0A: return 1
        case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0x85: return 2
        case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9): return 3
        default: return 0
        }
    }

    /// Where the line's leading run of blanks, block indicators (`-`, `?`, `:` standing alone), document
    /// markers and node properties (`&anchor`, `!tag`, `*alias`) ends: the last place a block collection
    /// can start on this line. A byte-order mark at the line start is skipped, as libyaml does.
    static func leadingRunEnd(_ bytes: [UInt8], from start: Int, to end: Int) -> Int {
        var index = start
        if end - index >= 3, bytes[index] == 0xEF, bytes[index + 1] == 0xBB, bytes[index + 2] == 0xBF { index += 3 }
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        while index < end, isBlank(bytes[index]) { index += 1 }
        while index < end {
            var tokenEnd = index
            while tokenEnd < end, !isBlank(bytes[tokenEnd]) { tokenEnd += 1 }
            let token = bytes[index..<tokenEnd]
            let isIndicator = token.count == 1 && [UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":")].contains(token[index])
            let isMarker = token.elementsEqual("---".utf8) || token.elementsEqual("...".utf8)
            let isProperty = [UInt8(ascii: "&"), UInt8(ascii: "!"), UInt8(ascii: "*")].contains(token[index])
            guard isIndicator || isMarker || isProperty else { return index }
            index = tokenEnd
            while index < end, isBlank(bytes[index]) { index += 1 }
        }
        return index
    }

    /// Whether the `&` at `index` could start an anchor: not inside a word (`R&D`), and followed by a name.
    static func startsAnchor(_ bytes: [UInt8], at index: Int) -> Bool {
        if index > 0 {
            let previous = bytes[index - 1]
            let isWordByte = (0x30...0x39).contains(previous) || (0x41...0x5A).contains(previous) || (0x61...0x7A).contains(previous)
            if isWordByte { return false }
        }
        guard index + 1 < bytes.count else { return false }
        let next = bytes[index + 1]
        return ![0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}")].contains(next)
    }
}
