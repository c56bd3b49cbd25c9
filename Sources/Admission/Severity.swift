import Foundation

/// A vulnerability severity, ordered from `unknown` (lowest) to `critical`.
/// Trivy writes `CRITICAL|HIGH|MEDIUM|LOW|UNKNOWN`; Grype also writes `Negligible`. Parsing is case-insensitive.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case unknown = "UNKNOWN"
    case negligible = "NEGLIGIBLE"
    case low = "LOW"
    case medium = "MEDIUM"
    case high = "HIGH"
    case critical = "CRITICAL"

    /// Parses any capitalisation (`high`, `High`, `HIGH`), as profiles write `blockAt`.
    public init?(parsing text: String) {
        self.init(rawValue: text.uppercased())
    }

    /// Trivy's spelling exactly: `CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `UNKNOWN`. Anything else in a report
    /// (`critical`, `SEVERE`, `NEGLIGIBLE`) is refused: a reader that guessed would judge differently.
    public init?(trivy text: String) {
        guard let severity = Severity(rawValue: text), severity != .negligible else { return nil }
        self = severity
    }

    /// Grype's spelling exactly: `Critical`, `High`, `Medium`, `Low`, `Negligible`, `Unknown`.
    public init?(grype text: String) {
        guard let severity = Severity.allCases.first(where: { $0.rawValue.prefix(1) + $0.rawValue.dropFirst().lowercased() == text }) else {
            return nil
        }
        self = severity
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let severity = Severity(parsing: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown severity '\(text)' (expected critical, high, medium, low, negligible or unknown)"))
        }
        self = severity
    }

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// The lower-case name used in messages.
    public var description: String { rawValue.lowercased() }
}

/// One finding of a scanner report: a vulnerability in one installed package.
public struct Vulnerability: Sendable, Codable, Equatable, Hashable {
    /// The advisory id, e.g. `CVE-2019-18224` or `GHSA-hv5j-3h9f-99c2`.
    public var id: String
    /// The affected package.
    public var package: String
    /// The installed version.
    public var installedVersion: String
    /// The version(s) with the fix, if the scanner knows one.
    public var fixedVersion: String?
    /// The severity the scanner assigned.
    public var severity: Severity

    /// A finding from its parts.
    public init(id: String, package: String, installedVersion: String, fixedVersion: String?, severity: Severity) {
        self.id = id
        self.package = package
        self.installedVersion = installedVersion
        self.fixedVersion = fixedVersion
        self.severity = severity
    }

    /// One line for a verdict: `CVE-2019-18224 in libidn2-0 2.0.5-1 (critical, fixed in 2.0.5-1+deb10u1)`.
    public var summary: String {
        let fix = fixedVersion.map { "fixed in \($0)" } ?? "no fixed version"
        return "\(id) in \(package) \(installedVersion) (\(severity), \(fix))"
    }
}
