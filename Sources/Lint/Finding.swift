/// How much a finding matters: errors fail `securerun lint`, warnings only with `--fail-on warning`.
public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case note, warning, error

    private var rank: Int {
        switch self {
        case .note: return 0
        case .warning: return 1
        case .error: return 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A 1-based line and column in a file (columns in bytes for JSON, in characters for YAML and shell lines).
public struct SourcePosition: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    /// A position.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool { (lhs.line, lhs.column) < (rhs.line, rhs.column) }

    public var description: String { "\(line):\(column)" }
}

/// One problem a rule found, where it is, and (if an inline comment silenced it) why it is accepted.
public struct Finding: Sendable, Equatable, Codable {
    /// The rule's stable id (`SR002`).
    public var rule: String
    /// The rule's kebab-case name.
    public var name: String
    /// How much it matters.
    public var severity: Severity
    /// One line saying what is wrong and what to do.
    public var message: String
    /// The file as given on the command line (`-` for stdin).
    public var file: String
    /// Where in the file, when known.
    public var position: SourcePosition?
    /// The field it is about (`syscalls[3].names[0]`, `services.web.privileged`), when there is one.
    public var field: String?
    /// The reason given by the suppression comment that silenced it, or nil when it counts.
    public var suppressed: String?

    /// A finding.
    public init(
        rule: String, name: String, severity: Severity, message: String, file: String, position: SourcePosition?, field: String? = nil,
        suppressed: String? = nil
    ) {
        self.rule = rule
        self.name = name
        self.severity = severity
        self.message = message
        self.file = file
        self.position = position
        self.field = field
        self.suppressed = suppressed
    }

    /// Whether it counts towards the exit status.
    public var counts: Bool { suppressed == nil }
}
