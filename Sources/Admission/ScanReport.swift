import Foundation

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

    /// Parses a Trivy or Grype JSON report. With `scanner` nil the shape decides: Trivy reports have
    /// `SchemaVersion`/`Results`, Grype reports have `matches`.
    public static func parse(_ data: Data, as scanner: VulnScanner? = nil, source: String) throws -> ScanReport {
        do {
            let decoder = JSONDecoder()
            switch scanner {
            case .trivy?: return try decoder.decode(TrivyReport.self, from: data).scanReport()
            case .grype?: return try decoder.decode(GrypeReport.self, from: data).scanReport()
            case nil: return try decoder.decode(ScanReport.self, from: data)
            }
        } catch let error as AdmissionError {
            throw error
        } catch let error as DecodingError {
            throw AdmissionError.unparseableReport(source: source, detail: DecodingErrorText.describe(error))
        } catch {
            throw AdmissionError.unparseableReport(source: source, detail: "not json: \(error.localizedDescription)")
        }
    }

    /// Counts of findings per severity (every severity present, zeros included).
    public var countsBySeverity: [Severity: Int] {
        var counts = Dictionary(uniqueKeysWithValues: Severity.allCases.map { ($0, 0) })
        for vulnerability in vulnerabilities { counts[vulnerability.severity, default: 0] += 1 }
        return counts
    }
}

extension ScanReport: Decodable {
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        var scanner: VulnScanner?
        let keys = try decoder.container(keyedBy: AnyKey.self)
        if keys.contains(AnyKey(stringValue: "matches")) {
            scanner = .grype
        } else if keys.contains(AnyKey(stringValue: "SchemaVersion")) || keys.contains(AnyKey(stringValue: "Results")) {
            scanner = .trivy
        }
        switch scanner {
        case .trivy:
            self = try TrivyReport(from: decoder).scanReport()
        case .grype:
            self = try GrypeReport(from: decoder).scanReport()
        case nil:
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "neither a trivy report (SchemaVersion, Results) nor a grype report (matches)"))
        }
    }
}
