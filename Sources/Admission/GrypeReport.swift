import Foundation

/// Grype's JSON report: `matches[]{vulnerability{id, severity, fix}, artifact{name, version}}`.
struct GrypeReport: Decodable {
    struct Match: Decodable {
        var vulnerability: Finding
        var artifact: Artifact
    }

    struct Finding: Decodable {
        var id: String
        var severity: Severity
        var fix: Fix?
    }

    struct Fix: Decodable {
        var versions: [String]?
        var state: String?
    }

    struct Artifact: Decodable {
        var name: String
        var version: String?
    }

    struct Descriptor: Decodable {
        var name: String?
        var version: String?
        var timestamp: String?
    }

    var matches: [Match]
    var descriptor: Descriptor?

    func scanReport() throws -> ScanReport {
        let findings = matches.map { match in
            let versions = match.vulnerability.fix?.versions ?? []
            return Vulnerability(
                id: match.vulnerability.id, package: match.artifact.name, installedVersion: match.artifact.version ?? "",
                fixedVersion: versions.isEmpty ? nil : versions.joined(separator: ", "), severity: match.vulnerability.severity)
        }
        var createdAt: Date?
        if let text = descriptor?.timestamp, !text.isEmpty {
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: [], debugDescription: "descriptor.timestamp '\(text)' is not an rfc 3339 timestamp"))
            }
            createdAt = date
        }
        let version = descriptor?.version.flatMap { $0 == "[not provided]" || $0.isEmpty ? nil : $0 }
        return ScanReport(scanner: .grype, scannerVersion: version, vulnerabilities: findings, createdAt: createdAt)
    }
}
