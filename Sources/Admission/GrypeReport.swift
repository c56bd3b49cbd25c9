import Foundation
import StrictJSON

/// Grype's JSON report: `matches[]{vulnerability{id, severity, fix}, artifact{name, version}}`, with
/// `descriptor{name, version, timestamp}` and `source{type, target}`.
enum GrypeReport {
    static func parse(_ root: JSONField) throws(JSONError) -> ScanReport {
        var findings: [Vulnerability] = []
        for match in try root.required("matches").array() {
            findings.append(try vulnerability(match))
        }
        var createdAt: Date?
        var scannerVersion: String?
        if let descriptor = try root.optional("descriptor") {
            _ = try descriptor.object()
            if let nameField = try descriptor.optional("name") {
                let name = try nameField.string()
                guard name == "grype" else { throw nameField.problem("'\(name)' is not grype") }
            }
            if let version = try descriptor.optional("version")?.string(), !version.isEmpty, version != "[not provided]" {
                scannerVersion = version
            }
            if let field = try descriptor.optional("timestamp") {
                let text = try field.string()
                if !text.isEmpty {
                    guard let date = Timestamp.parse(text) else { throw field.problem("'\(text)' is not an rfc 3339 timestamp") }
                    createdAt = date
                }
            }
        }
        return ScanReport(
            scanner: .grype, scannerVersion: scannerVersion, vulnerabilities: findings, createdAt: createdAt,
            artifact: try artifact(root))
    }

    private static func vulnerability(_ match: JSONField) throws(JSONError) -> Vulnerability {
        _ = try match.object()
        let vulnerability = try match.required("vulnerability")
        let severityField = try vulnerability.required("severity")
        let text = try severityField.string()
        guard let severity = Severity(grype: text) else {
            throw severityField.problem("unknown severity '\(text)' (grype writes Critical, High, Medium, Low, Negligible or Unknown)")
        }
        var versions: [String] = []
        if let fix = try vulnerability.optional("fix") {
            _ = try fix.object()
            versions = try fix.optional("versions")?.strings() ?? []
            if let state = try fix.optional("state") { _ = try state.string() }
        }
        let artifact = try match.required("artifact")
        return Vulnerability(
            id: try vulnerability.required("id").nonEmptyString(), package: try artifact.required("name").nonEmptyString(),
            installedVersion: try artifact.optional("version")?.string() ?? "",
            fixedVersion: versions.isEmpty ? nil : versions.joined(separator: ", "), severity: severity)
    }

    private static func artifact(_ root: JSONField) throws(JSONError) -> ReportArtifact {
        var artifact = ReportArtifact()
        guard let source = try root.optional("source") else { return artifact }
        _ = try source.object()
        // `target` is an object for images and a plain string ("unknown", a path) otherwise.
        guard let target = try source.optional("target"), case .object = target.node.value else { return artifact }
        if let input = try target.optional("userInput")?.string(), !input.isEmpty { artifact.names.append(input) }
        artifact.names += try target.optional("tags")?.strings() ?? []
        if let id = try target.optional("imageID")?.string(), !id.isEmpty { artifact.configDigests.append(id) }
        if let digest = try target.optional("manifestDigest")?.string(), !digest.isEmpty { artifact.manifestDigests.append(digest) }
        artifact.repoDigests += try target.optional("repoDigests")?.strings() ?? []
        return artifact
    }
}
