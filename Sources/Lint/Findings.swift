/// Where a document's fields are: each field path (`syscalls[3].names[0]`, `services.web.user`) with the
/// position of its key (or, in a list, its item). A path without an entry takes its closest parent's.
public struct PositionIndex: Sendable {
    var positions: [String: SourcePosition] = [:]

    /// An empty index.
    public init() {}

    /// Records `path` at `position`.
    public mutating func set(_ path: String, _ position: SourcePosition) {
        positions[path] = position
    }

    /// The position of `path`, or of its closest recorded parent.
    public func position(of path: String) -> SourcePosition? {
        var current = Substring(path)
        while true {
            if let found = positions[String(current)] { return found }
            if current.isEmpty { return nil }
            if current.hasSuffix("]"), let open = current.lastIndex(of: "[") {
                current = current[..<open]
            } else if let dot = current.lastIndex(of: ".") {
                current = current[..<dot]
            } else {
                current = ""
            }
        }
    }
}

/// The findings of one file as rules add them.
public struct FindingSink: Sendable {
    /// The file as given.
    public let file: String
    /// Where its fields are.
    public let index: PositionIndex
    /// What was found so far.
    public private(set) var findings: [Finding] = []

    /// A sink for `file`.
    public init(file: String, index: PositionIndex) {
        self.file = file
        self.index = index
    }

    /// Adds a finding of `rule` about `field` (placed through the index) or at `position`.
    public mutating func add(
        _ rule: RuleDescription, _ message: String, field: String? = nil, at position: SourcePosition? = nil, severity: Severity? = nil
    ) {
        findings.append(
            Finding(
                rule: rule.id, name: rule.name, severity: severity ?? rule.severity, message: message, file: file,
                position: position ?? field.flatMap(index.position(of:)), field: field))
    }

    /// Adds a finding already made (a policy refusal placed by its flag).
    public mutating func append(_ finding: Finding) {
        findings.append(finding)
    }

    /// Whether a finding of a rule other than `except` already names `field`.
    public func covers(_ field: String, except: String) -> Bool {
        findings.contains { $0.field == field && $0.rule != except }
    }
}
