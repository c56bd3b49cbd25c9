import Foundation
import StrictJSON

/// An inline decision to accept a rule's findings in one place, with the reason a reviewer reads:
/// `# securerun-lint: ignore SR010 the data directory is read-only on the host` in YAML and `docker run`
/// files (trailing the line, or alone on the line before it), or an `x-securerun-ignore` member in a JSON
/// object (`"SR103 reason"`, a list of those, or `{"SR103": "reason"}`), which covers that object.
struct Suppression: Sendable {
    var rules: Set<String>
    var reason: String
    /// Lines it covers (comments).
    var lines: ClosedRange<Int>?
    /// The object it covers (JSON): its field path, every field below included.
    var field: String?
}

/// Finds suppressions and applies them; a malformed one is a finding of its own and silences nothing.
enum Suppressions {
    static let marker = "securerun-lint:"

    /// Comment suppressions of `text`; `span` widens a line to the logical line it belongs to (a
    /// `docker run` command with `\` continuations).
    static func comments(in text: String, span: (Int) -> ClosedRange<Int> = { $0...$0 }, sink: inout FindingSink) -> [Suppression] {
        comments(in: Array(text.utf8), span: span, sink: &sink)
    }

    /// Comment suppressions of UTF-8 `bytes`, in one pass: each byte is looked at a bounded number of times
    /// however many comments there are.
    static func comments(in bytes: [UInt8], span: (Int) -> ClosedRange<Int> = { $0...$0 }, sink: inout FindingSink) -> [Suppression] {
        let marker = Array(Self.marker.utf8)
        var found: [Suppression] = []
        var line = 1
        var lineStart = 0
        // The first line after `nextCodeFrom` that is neither blank nor a comment (cached: targets only grow).
        var nextCode: (from: Int, line: Int, index: Int)?
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                lineStart = index + 1
                index += 1
                continue
            }
            guard byte == UInt8(ascii: "#") else {
                index += 1
                continue
            }
            var bodyStart = index + 1
            if bodyStart < bytes.count, bytes[bodyStart] == 0x20 { bodyStart += 1 }
            guard bodyStart + marker.count <= bytes.count, bytes[bodyStart..<bodyStart + marker.count].elementsEqual(marker) else {
                index += 1
                continue
            }
            var lineEnd = bodyStart
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            let column = bytes[lineStart..<index].reduce(1) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
            let body = String(decoding: bytes[(bodyStart + marker.count)..<lineEnd], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if let parsed = parse(body, at: SourcePosition(line: line, column: column), sink: &sink) {
                let standalone = bytes[lineStart..<index].allSatisfy { $0 == 0x20 || $0 == 0x09 }
                var target = line
                if standalone {
                    if let cached = nextCode, cached.from <= lineEnd, cached.index > lineEnd {
                        target = cached.line
                    } else {
                        var scan = lineEnd + 1
                        var scanLine = line + 1
                        while scan < bytes.count {
                            var first = scan
                            while first < bytes.count, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
                            if first < bytes.count, bytes[first] != 0x0A, bytes[first] != UInt8(ascii: "#") { break }
                            while scan < bytes.count, bytes[scan] != 0x0A { scan += 1 }
                            scan += 1
                            scanLine += 1
                        }
                        nextCode = (lineEnd, scanLine, scan)
                        target = scanLine
                    }
                }
                found.append(Suppression(rules: parsed.rules, reason: parsed.reason, lines: span(target), field: nil))
            }
            index = lineEnd
        }
        return found
    }

    /// `x-securerun-ignore` members anywhere in a JSON document; `prefix` is the document's own field prefix.
    static func json(_ root: JSONNode, prefix: String = "", sink: inout FindingSink) -> [Suppression] {
        var found: [Suppression] = []
        func walk(_ node: JSONNode, path: String) {
            switch node.value {
            case .object(let members):
                for member in members {
                    let child = path.isEmpty ? member.key : "\(path).\(member.key)"
                    if member.key == "x-securerun-ignore" {
                        for (text, position) in entries(member.value) {
                            if let parsed = parse(text, at: position, sink: &sink) {
                                found.append(Suppression(rules: parsed.rules, reason: parsed.reason, lines: nil, field: path))
                            }
                        }
                    } else {
                        walk(member.value, path: child)
                    }
                }
            case .array(let elements):
                for (offset, element) in elements.enumerated() { walk(element, path: "\(path)[\(offset)]") }
            default:
                break
            }
        }
        walk(root, path: prefix)
        return found
    }

    private static func entries(_ node: JSONNode) -> [(String, SourcePosition)] {
        let position = JSONIndex.position(node.position)
        switch node.value {
        case .string(let text): return [(text, position)]
        case .array(let items): return items.flatMap(entries)
        case .object(let members):
            return members.map { member in
                ("\(member.key) \(member.value.value.string ?? "")", JSONIndex.position(member.keyPosition))
            }
        default: return [("", position)]
        }
    }

    /// `ignore SR010[,SR011] reason…` (comments) or `SR010 reason…` (JSON).
    private static func parse(_ body: String, at position: SourcePosition, sink: inout FindingSink) -> (rules: Set<String>, reason: String)? {
        var words = body.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if words.first == "ignore" { words.removeFirst() }
        guard let list = words.first else {
            sink.add(MalformedSuppression.description, "a suppression names the rule it silences and why: ignore SR0xx REASON", at: position)
            return nil
        }
        let rules = Set(list.split(separator: ",").map { $0.uppercased() })
        for rule in rules.sorted() where Catalogue.rule(rule) == nil {
            sink.add(MalformedSuppression.description, "\(rule) is not a rule id (securerun lint --list-rules lists them)", at: position)
            return nil
        }
        let reason = words.dropFirst().joined(separator: " ")
        guard reason.count >= 3 else {
            sink.add(
                MalformedSuppression.description,
                "the suppression of \(rules.sorted().joined(separator: ",")) gives no reason; say why it is acceptable here so a reviewer can judge it",
                at: position)
            return nil
        }
        return (rules, reason)
    }

    /// Marks each finding a suppression covers: comments by the line (widened by `span`, as the comments
    /// were), JSON members by the field and every field above it. Looked up, not compared pairwise.
    static func apply(_ suppressions: [Suppression], to findings: inout [Finding], span: (Int) -> ClosedRange<Int> = { $0...$0 }) {
        guard !suppressions.isEmpty else { return }
        var byLine: [Int: [Int]] = [:]
        var byField: [String: [Int]] = [:]
        for (index, suppression) in suppressions.enumerated() {
            if let lines = suppression.lines { byLine[lines.lowerBound, default: []].append(index) }
            if let field = suppression.field { byField[field, default: []].append(index) }
        }
        for index in findings.indices where findings[index].rule != MalformedSuppression.description.id {
            let finding = findings[index]
            var candidates: [Int] = []
            if let line = finding.position?.line {
                candidates += (byLine[span(line).lowerBound] ?? []).filter { suppressions[$0].lines?.contains(line) == true }
            }
            if !byField.isEmpty, let field = finding.field {
                for parent in ancestors(of: field) { candidates += byField[parent] ?? [] }
            }
            for candidate in candidates.sorted() where suppressions[candidate].rules.contains(finding.rule) {
                findings[index].suppressed = suppressions[candidate].reason
            }
        }
    }

    /// `a.b[3].c`, `a.b[3]`, `a.b`, `a`, and the document (``).
    static func ancestors(of field: String) -> [String] {
        var result = [field]
        var current = Substring(field)
        while !current.isEmpty {
            if current.hasSuffix("]"), let open = current.lastIndex(of: "[") {
                current = current[..<open]
            } else if let dot = current.lastIndex(of: ".") {
                current = current[..<dot]
            } else {
                current = ""
            }
            result.append(String(current))
        }
        return result
    }
}
