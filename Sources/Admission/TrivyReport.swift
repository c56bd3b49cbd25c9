import Foundation
import StrictJSON

/// Trivy's JSON report (SchemaVersion 2): `Results[].Vulnerabilities[]`. A result without findings may
/// omit the array, and a scan with no results may omit `Results`.
enum TrivyReport {
    static func parse(_ root: JSONField) throws(JSONError) -> ScanReport {
        let schema = try root.required("SchemaVersion")
        let version = try schema.integer()
        guard version == 2 else { throw schema.problem("schema version \(version) is not 2 (trivy 0.20 and later write 2)") }
        var createdAt: Date?
        if let field = try root.optional("CreatedAt") {
            let text = try field.string()
            guard let date = Timestamp.parse(text) else { throw field.problem("'\(text)' is not an rfc 3339 timestamp") }
            createdAt = date
        }
        var findings: [Vulnerability] = []
        for result in try root.optional("Results")?.array() ?? [] {
            _ = try result.object()
            if let target = try result.optional("Target") { _ = try target.string() }
            for finding in try result.optional("Vulnerabilities")?.array() ?? [] {
                findings.append(try vulnerability(finding))
            }
        }
        let scannerVersion = try root.optional("Trivy")?.optional("Version")?.string()
        return ScanReport(
            scanner: .trivy, scannerVersion: scannerVersion.flatMap { $0.isEmpty ? nil : $0 }, vulnerabilities: findings,
            createdAt: createdAt, artifact: try artifact(root))
    }

    private static func vulnerability(_ finding: JSONField) throws(JSONError) -> Vulnerability {
        _ = try finding.object()
        let severityField = try finding.required("Severity")
        let text = try severityField.string()
        guard let severity = Severity(trivy: text) else {
            throw severityField.problem("unknown severity '\(text)' (trivy writes CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN)")
        }
        let fixed = try finding.optional("FixedVersion")?.string()
        return Vulnerability(
            id: try finding.required("VulnerabilityID").nonEmptyString(), package: try finding.required("PkgName").nonEmptyString(),
            installedVersion: try finding.optional("InstalledVersion")?.string() ?? "",
            fixedVersion: fixed.flatMap { $0.isEmpty ? nil : $0 }, severity: severity)
    }

    private static func artifact(_ root: JSONField) throws(JSONError) -> ReportArtifact {
        var artifact = ReportArtifact()
        if let name = try root.optional("ArtifactName")?.string(), !name.isEmpty { artifact.names.append(name) }
        if let metadata = try root.optional("Metadata") {
            _ = try metadata.object()
            if let id = try metadata.optional("ImageID")?.string(), !id.isEmpty { artifact.configDigests.append(id) }
            artifact.repoDigests += try metadata.optional("RepoDigests")?.strings() ?? []
            artifact.names += try metadata.optional("RepoTags")?.strings() ?? []
        }
        return artifact
    }
}
