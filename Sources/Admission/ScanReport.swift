import Foundation
import StrictJSON

/// The scanners whose JSON reports securerun reads.
public enum VulnScanner: String, Sendable, Codable, CaseIterable {
    /// Aqua Security Trivy, `trivy image --format json` (SchemaVersion 2).
    case trivy
    /// Anchore Grype, `grype -o json`.
    case grype

    /// The scanner URI cosign's vuln predicate records, as Trivy itself writes it.
    func uri(version: String?) -> String {
        let repository = self == .trivy ? "aquasecurity/trivy" : "anchore/grype"
        guard let version, !version.isEmpty else { return "pkg:github/\(repository)" }
        return "pkg:github/\(repository)@\(version)"
    }

    /// The scanner a predicate's `scanner.uri` names (`pkg:github/aquasecurity/trivy@0.50.0`,
    /// `https://github.com/anchore/grype`), or nil when it names neither or both.
    public static func named(byURI uri: String) -> VulnScanner? {
        let text = uri.lowercased()
        let trivy = text.contains("aquasecurity/trivy")
        let grype = text.contains("anchore/grype")
        guard trivy != grype else { return nil }
        return trivy ? .trivy : .grype
    }

    /// The scanner whose report shape `report` has: Trivy's `SchemaVersion`/`Results` or Grype's `matches`.
    /// A report with both shapes, or neither, is refused: two readers could read it two ways.
    static func shape(of report: JSONField) throws(JSONError) -> VulnScanner {
        _ = try report.object()
        let trivy = report.has("SchemaVersion") || report.has("Results")
        let grype = report.has("matches")
        switch (trivy, grype) {
        case (true, false): return .trivy
        case (false, true): return .grype
        case (true, true):
            throw report.problem("has both trivy's SchemaVersion/Results and grype's matches; a report must be one or the other")
        case (false, false):
            throw report.problem("neither a trivy report (SchemaVersion, Results) nor a grype report (matches)")
        }
    }
}

/// What a report says it scanned: names and digests, where the scanner recorded them. Compared with the
/// image at `image attest`, so a report of another image is not signed for this one by mistake.
public struct ReportArtifact: Sendable, Equatable {
    /// Names the report gives the artifact: Trivy `ArtifactName` and `Metadata.RepoTags`, Grype
    /// `source.target.userInput` and `tags`.
    public var names: [String] = []
    /// Image config digests: Trivy `Metadata.ImageID`, Grype `source.target.imageID`.
    public var configDigests: [String] = []
    /// Manifest digests: Grype `source.target.manifestDigest`.
    public var manifestDigests: [String] = []
    /// `name@sha256:…` references: Trivy `Metadata.RepoDigests`, Grype `repoDigests` (these may name an
    /// index rather than the platform manifest).
    public var repoDigests: [String] = []

    /// An artifact from what a report recorded.
    public init(names: [String] = [], configDigests: [String] = [], manifestDigests: [String] = [], repoDigests: [String] = []) {
        self.names = names
        self.configDigests = configDigests
        self.manifestDigests = manifestDigests
        self.repoDigests = repoDigests
    }

    /// Whether the report names its artifact at all.
    public var isEmpty: Bool { names.isEmpty && configDigests.isEmpty && manifestDigests.isEmpty && repoDigests.isEmpty }
}

/// A parsed scanner report: every finding, and the scan time if the report records one.
public struct ScanReport: Sendable, Equatable {
    /// Which scanner wrote it.
    public var scanner: VulnScanner
    /// The scanner version the report names, if any.
    public var scannerVersion: String?
    /// Every finding, in report order.
    public var vulnerabilities: [Vulnerability]
    /// When the report was created (Trivy `CreatedAt`, Grype `descriptor.timestamp`), if recorded.
    public var createdAt: Date?
    /// What the report says it scanned.
    public var artifact: ReportArtifact

    /// A report from its parts.
    public init(
        scanner: VulnScanner, scannerVersion: String?, vulnerabilities: [Vulnerability], createdAt: Date?,
        artifact: ReportArtifact = ReportArtifact()
    ) {
        self.scanner = scanner
        self.scannerVersion = scannerVersion
        self.vulnerabilities = vulnerabilities
        self.createdAt = createdAt
        self.artifact = artifact
    }

    /// Parses a Trivy or Grype JSON report file strictly (duplicate keys, unknown severities, missing
    /// package names and wrong types refuse it). With `scanner` nil the shape decides; a report that fits
    /// neither shape, or both, is refused, as is one that is not the scanner named.
    public static func parse(_ data: Data, as scanner: VulnScanner? = nil, source: String) throws -> ScanReport {
        do throws(JSONError) {
            let root = try JSONParser.field(data, limits: AttestationLimits.payloadJSON)
            return try parse(root, as: scanner)
        } catch {
            throw AdmissionError.unparseableReport(source: source, detail: "\(error)")
        }
    }

    /// Parses an already parsed report. `scanner`, when given, must be the shape the report has.
    static func parse(_ report: JSONField, as scanner: VulnScanner?) throws(JSONError) -> ScanReport {
        let shape = try VulnScanner.shape(of: report)
        if let scanner, scanner != shape {
            throw report.problem("is a \(shape) report, not the \(scanner) report it is said to be")
        }
        switch shape {
        case .trivy: return try TrivyReport.parse(report)
        case .grype: return try GrypeReport.parse(report)
        }
    }

    /// Counts of findings per severity (every severity present, zeros included).
    public var countsBySeverity: [Severity: Int] {
        var counts = Dictionary(uniqueKeysWithValues: Severity.allCases.map { ($0, 0) })
        for vulnerability in vulnerabilities { counts[vulnerability.severity, default: 0] += 1 }
        return counts
    }

    /// `4 vulnerabilities: 1 critical, 3 low`, or `no vulnerabilities`.
    public var summary: String {
        let counts = Severity.allCases.reversed().compactMap { severity -> String? in
            let count = countsBySeverity[severity] ?? 0
            return count > 0 ? "\(count) \(severity)" : nil
        }
        guard !counts.isEmpty else { return "no vulnerabilities" }
        return "\(vulnerabilities.count) vulnerabilit\(vulnerabilities.count == 1 ? "y" : "ies"): " + counts.joined(separator: ", ")
    }
}
