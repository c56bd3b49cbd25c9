/// A SARIF 2.1.0 log (OASIS Static Analysis Results Interchange Format), the subset code-scanning
/// dashboards read: one run, its tool's rules, and results with levels and locations. Property names are
/// the schema's.
public struct SARIFLog: Encodable, Sendable {
    public var version = "2.1.0"
    public var schema = "https://json.schemastore.org/sarif-2.1.0.json"
    public var runs: [Run]

    enum CodingKeys: String, CodingKey {
        case version
        case schema = "$schema"
        case runs
    }

    /// A log of one run.
    public init(run: Run) {
        runs = [run]
    }

    /// `runs[]`.
    public struct Run: Encodable, Sendable {
        public var tool: Tool
        public var results: [Result]
        /// How the run went (inputs that could not be read), when said.
        public var invocations: [Invocation]?
        public init(tool: Tool, results: [Result]) {
            self.tool = tool
            self.results = results
        }
    }

    /// `invocation`: whether the tool ran to the end, and what it could not do.
    public struct Invocation: Encodable, Sendable {
        public var executionSuccessful: Bool
        public var toolExecutionNotifications: [Notification]?
        public init(executionSuccessful: Bool, notifications: [Notification]) {
            self.executionSuccessful = executionSuccessful
            toolExecutionNotifications = notifications.isEmpty ? nil : notifications
        }
    }

    /// `notification`: a problem of the run itself (an unreadable input).
    public struct Notification: Encodable, Sendable {
        public var level: Level
        public var message: Message
        public var locations: [Location]?
        public init(message: String, uri: String?) {
            level = .error
            self.message = Message(text: message)
            locations = uri.map { [Location(uri: $0)] }
        }
    }

    /// `tool`.
    public struct Tool: Encodable, Sendable {
        public var driver: Driver
        public init(driver: Driver) { self.driver = driver }
    }

    /// `tool.driver`.
    public struct Driver: Encodable, Sendable {
        public var name: String
        public var version: String
        public var informationUri: String
        public var rules: [Rule]
        public init(name: String, version: String, informationUri: String, rules: [Rule]) {
            self.name = name
            self.version = version
            self.informationUri = informationUri
            self.rules = rules
        }
    }

    /// `reportingDescriptor`: one rule.
    public struct Rule: Encodable, Sendable {
        public var id: String
        public var name: String
        public var shortDescription: Message
        public var fullDescription: Message
        public var help: Message
        public var defaultConfiguration: Configuration
        public init(id: String, name: String, short: String, full: String, help: String, level: Level) {
            self.id = id
            self.name = name
            shortDescription = Message(text: short)
            fullDescription = Message(text: full)
            self.help = Message(text: help)
            defaultConfiguration = Configuration(level: level)
        }
    }

    /// `reportingConfiguration`.
    public struct Configuration: Encodable, Sendable {
        public var level: Level
    }

    /// `error`, `warning`, `note`.
    public enum Level: String, Encodable, Sendable {
        case error, warning, note, none
    }

    /// `message`.
    public struct Message: Encodable, Sendable {
        public var text: String
        public init(text: String) { self.text = text }
    }

    /// `result`.
    public struct Result: Encodable, Sendable {
        public var ruleId: String
        public var ruleIndex: Int?
        public var level: Level
        public var message: Message
        public var locations: [Location]
        public var suppressions: [Suppression]?
        public init(ruleId: String, ruleIndex: Int?, level: Level, message: String, locations: [Location], suppressions: [Suppression]? = nil) {
            self.ruleId = ruleId
            self.ruleIndex = ruleIndex
            self.level = level
            self.message = Message(text: message)
            self.locations = locations
            self.suppressions = suppressions
        }
    }

    /// `location`: a file region and/or a logical name (a container).
    public struct Location: Encodable, Sendable {
        public var physicalLocation: PhysicalLocation?
        public var logicalLocations: [LogicalLocation]?
        public init(uri: String?, line: Int? = nil, column: Int? = nil, logical: String? = nil, kind: String? = nil) {
            physicalLocation = uri.map {
                PhysicalLocation(artifactLocation: ArtifactLocation(uri: $0), region: line.map { Region(startLine: $0, startColumn: column) })
            }
            logicalLocations = logical.map { [LogicalLocation(name: $0, kind: kind)] }
        }
    }

    /// `physicalLocation`.
    public struct PhysicalLocation: Encodable, Sendable {
        public var artifactLocation: ArtifactLocation
        public var region: Region?
    }

    /// `artifactLocation`.
    public struct ArtifactLocation: Encodable, Sendable {
        public var uri: String
    }

    /// `region` (1-based).
    public struct Region: Encodable, Sendable {
        public var startLine: Int
        public var startColumn: Int?
    }

    /// `logicalLocation`.
    public struct LogicalLocation: Encodable, Sendable {
        public var name: String
        public var kind: String?
    }

    /// `suppression`: a finding deliberately silenced, with the reason.
    public struct Suppression: Encodable, Sendable {
        public var kind: String
        public var justification: String?
        public init(kind: String = "inSource", justification: String?) {
            self.kind = kind
            self.justification = justification
        }
    }
}
