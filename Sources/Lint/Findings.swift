/// Where a document's fields are: each field path (`syscalls[3].names[0]`, `services.web.user`) with the
/// position of its key (or, in a list, its item). A path without an entry takes its closest parent's.
/// Either recorded path by path, or found on demand in a parsed document (`resolve`), so a large document
/// costs no path strings until a finding asks for one.
public struct PositionIndex: Sendable {
    var positions: [String: SourcePosition] = [:]
    var resolve: (@Sendable (Substring) -> SourcePosition?)?

    /// An empty index.
    public init() {}

    /// An index that finds a path's position with `resolve` when asked.
    init(resolve: @escaping @Sendable (Substring) -> SourcePosition?) {
        self.resolve = resolve
    }

    /// Records `path` at `position`.
    public mutating func set(_ path: String, _ position: SourcePosition) {
        positions[path] = position
    }

    /// The position of `path`, or of its closest recorded parent.
    public func position(of path: String) -> SourcePosition? {
        for candidate in Suppressions.ancestors(of: path) {
            if let found = resolve?(Substring(candidate)) ?? positions[candidate] { return found }
        }
        return nil
    }
}

/// The findings of one file as rules add them, at most `limit` of them (a hostile file cannot make lint
/// hold a finding per byte); the rest are only counted.
public struct FindingSink: Sendable {
    /// The file as given.
    public let file: String
    /// Where its fields are.
    public let index: PositionIndex
    /// The most findings kept.
    public let limit: Int
    /// What was found so far.
    public private(set) var findings: [Finding] = []
    /// Findings past `limit`, counted but not kept.
    public private(set) var omitted = 0
    /// Where the first of those was.
    public private(set) var firstOmitted: SourcePosition?

    /// A sink for `file`.
    public init(file: String, index: PositionIndex, limit: Int = Linter.maxFindings) {
        self.file = file
        self.index = index
        self.limit = limit
    }

    /// Adds a finding of `rule` about `field` (placed through the index) or at `position`.
    public mutating func add(
        _ rule: RuleDescription, _ message: String, field: String? = nil, at position: SourcePosition? = nil, severity: Severity? = nil
    ) {
        guard findings.count < limit else {
            // Only the first one left out is placed: placing each could cost a walk of the document.
            note(firstOmitted == nil ? position ?? field.flatMap(index.position(of:)) : nil)
            return
        }
        findings.append(
            Finding(
                rule: rule.id, name: rule.name, severity: severity ?? rule.severity, message: message, file: file,
                position: position ?? field.flatMap(index.position(of:)), field: field))
    }

    /// Adds a finding already made (a policy refusal placed by its flag).
    public mutating func append(_ finding: Finding) {
        guard findings.count < limit else {
            note(finding.position)
            return
        }
        findings.append(finding)
    }

    private mutating func note(_ position: SourcePosition?) {
        omitted += 1
        if firstOmitted == nil { firstOmitted = position }
    }

    /// Whether a finding of a rule other than `except` already names `field`.
    public func covers(_ field: String, except: String) -> Bool {
        findings.contains { $0.field == field && $0.rule != except }
    }
}
