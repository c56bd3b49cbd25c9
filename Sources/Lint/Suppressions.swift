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
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var found: [Suppression] = []
        for (offset, line) in lines.enumerated() {
            guard let hash = line.range(of: "# " + marker) ?? line.range(of: "#" + marker) else { continue }
            let number = offset + 1
            let column = line.distance(from: line.startIndex, to: hash.lowerBound) + 1
            let body = line[hash.upperBound...].trimmingCharacters(in: .whitespaces)
            guard let parsed = parse(body, at: SourcePosition(line: number, column: column), sink: &sink) else { continue }
            let standalone = line[..<hash.lowerBound].allSatisfy(\.isWhitespace)
            var target = number
            if standalone {
                // The next line that is neither blank nor a comment.
                var next = offset + 1
                while next < lines.count {
                    let candidate = lines[next].drop { $0 == " " || $0 == "\t" }
                    if !candidate.isEmpty && !candidate.hasPrefix("#") { break }
                    next += 1
                }
                target = next + 1
            }
            found.append(Suppression(rules: parsed.rules, reason: parsed.reason, lines: span(target), field: nil))
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

    /// Marks each finding a suppression covers.
    static func apply(_ suppressions: [Suppression], to findings: inout [Finding]) {
        guard !suppressions.isEmpty else { return }
        for index in findings.indices where findings[index].rule != MalformedSuppression.description.id {
            let finding = findings[index]
            for suppression in suppressions where suppression.rules.contains(finding.rule) {
                if let lines = suppression.lines, let line = finding.position?.line, lines.contains(line) {
                    findings[index].suppressed = suppression.reason
                } else if let field = suppression.field, let own = finding.field, covers(field, own) {
                    findings[index].suppressed = suppression.reason
                }
            }
        }
    }

    private static func covers(_ parent: String, _ field: String) -> Bool {
        parent.isEmpty || field == parent || field.hasPrefix(parent + ".") || field.hasPrefix(parent + "[")
    }
}
