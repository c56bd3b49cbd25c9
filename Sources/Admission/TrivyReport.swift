import Foundation

/// Trivy's JSON report (SchemaVersion 2): `Results[].Vulnerabilities[]`. A result without findings may omit the array.
struct TrivyReport: Decodable {
    struct Tool: Decodable {
        var Version: String?
    }

    struct Result: Decodable {
        var Target: String?
        var Vulnerabilities: [Finding]?
    }

    struct Finding: Decodable {
        var VulnerabilityID: String
        var PkgName: String
        var InstalledVersion: String?
        var FixedVersion: String?
        var Severity: Admission.Severity
    }

    /// Trivy writes `CreatedAt` as RFC 3339 today and wrote Unix seconds in older releases.
    struct TrivyTime: Decodable {
        var date: Date

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let seconds = try? container.decode(Double.self) {
                date = Date(timeIntervalSince1970: seconds)
                return
            }
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "createdat '\(text)' is not an rfc 3339 timestamp"))
            }
            self.date = date
        }
    }

    var SchemaVersion: Int?
    var CreatedAt: TrivyTime?
    var Trivy: Tool?
    var Results: [Result]?

    func scanReport() throws -> ScanReport {
        let findings = (Results ?? []).flatMap { $0.Vulnerabilities ?? [] }.map {
            Vulnerability(
                id: $0.VulnerabilityID, package: $0.PkgName, installedVersion: $0.InstalledVersion ?? "",
                fixedVersion: $0.FixedVersion.flatMap { $0.isEmpty ? nil : $0 }, severity: $0.Severity)
        }
        return ScanReport(scanner: .trivy, scannerVersion: Trivy?.Version, vulnerabilities: findings, createdAt: CreatedAt?.date)
    }
}
