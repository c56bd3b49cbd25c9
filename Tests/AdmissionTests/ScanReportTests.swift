import Foundation
import Testing

@testable import Admission

@Suite struct ScanReportTests {
    struct Expected: Sendable, CustomStringConvertible {
        var file: String
        var scanner: VulnScanner
        var counts: [Severity: Int]
        var description: String { file }
    }

    // Counted independently with jq:
    //   jq -c '[.Results[]?.Vulnerabilities[]?.Severity] | group_by(.) | map({(.[0]): length}) | add' trivy-*.json
    //   jq -c '[.matches[].vulnerability.severity] | group_by(.) | map({(.[0]): length}) | add' grype-*.json
    static let expectations: [Expected] = [
        .init(file: "trivy-alpine-310.json", scanner: .trivy, counts: [.medium: 4]),
        .init(file: "trivy-alpine-39-skip-no-results.json", scanner: .trivy, counts: [:]),
        .init(file: "trivy-centos-7.json", scanner: .trivy, counts: [.low: 2, .medium: 1]),
        .init(file: "trivy-debian-buster.json", scanner: .trivy, counts: [.critical: 1, .low: 1]),
        .init(file: "trivy-ubuntu-1804.json", scanner: .trivy, counts: [.low: 1, .medium: 4]),
        .init(file: "grype-alpine-3.14-ghsa.json", scanner: .grype, counts: [.medium: 2]),
        .init(file: "grype-chainguard-ruby-wolfi.json", scanner: .grype, counts: [.high: 3]),
        .init(file: "grype-empty-no-matches.json", scanner: .grype, counts: [:]),
        .init(file: "grype-keycloak-21.0.2-rhel9.json", scanner: .grype, counts: [.low: 6]),
        .init(file: "grype-presenter-image-golden.json", scanner: .grype, counts: [.critical: 1, .low: 1]),
    ]

    @Test(arguments: expectations)
    func realReportsParseWithTheRightCountsPerSeverity(expected: Expected) throws {
        let report = try ScanReport.parse(try fixture(expected.file), source: expected.file)
        #expect(report.scanner == expected.scanner)
        for severity in Severity.allCases {
            #expect(report.countsBySeverity[severity] == expected.counts[severity, default: 0], "\(severity)")
        }
        #expect(report.vulnerabilities.count == expected.counts.values.reduce(0, +))
    }

    @Test func trivyFindingsKeepIdPackageVersionsAndSeverity() throws {
        let report = try ScanReport.parse(try fixture("trivy-debian-buster.json"), source: "t")
        #expect(
            report.vulnerabilities == [
                Vulnerability(id: "CVE-2019-18276", package: "bash", installedVersion: "5.0-4", fixedVersion: nil, severity: .low),
                Vulnerability(
                    id: "CVE-2019-18224", package: "libidn2-0", installedVersion: "2.0.5-1", fixedVersion: "2.0.5-1+deb10u1",
                    severity: .critical),
            ])
        let created = try #require(report.createdAt)
        #expect(abs(created.timeIntervalSince(try time("2021-08-25T12:20:30Z"))) < 0.001)
        #expect(report.scannerVersion == "dev")
    }

    @Test func grypeFindingsKeepIdPackageVersionsAndSeverity() throws {
        let report = try ScanReport.parse(try fixture("grype-chainguard-ruby-wolfi.json"), source: "g")
        #expect(
            report.vulnerabilities == [
                Vulnerability(id: "CVE-2023-28755", package: "ruby-3.0", installedVersion: "3.0.4-r1", fixedVersion: "3.0.6-r0", severity: .high),
                Vulnerability(id: "CVE-2023-28755", package: "uri", installedVersion: "0.10.1", fixedVersion: nil, severity: .high),
                Vulnerability(id: "GHSA-hv5j-3h9f-99c2", package: "uri", installedVersion: "0.10.1", fixedVersion: "0.10.2", severity: .high),
            ])
        #expect(report.scannerVersion == "0.61.1")
        let created = try #require(report.createdAt)
        #expect(abs(created.timeIntervalSince(try time("2023-05-18T01:00:56Z")) - 0.783213) < 0.001)
        // A golden file without a timestamp or version.
        let golden = try ScanReport.parse(try fixture("grype-presenter-image-golden.json"), source: "g")
        #expect(golden.createdAt == nil)
        #expect(golden.scannerVersion == nil)
        #expect(golden.vulnerabilities.first?.fixedVersion == "1.2.1, 2.1.3, 3.4.0")
    }

    /// Trivy writes RFC 3339 (Go's time.Time); anything else where a time belongs is refused, not guessed.
    @Test func createdAtThatIsNotRFC3339IsRefused() throws {
        #expect(throws: AdmissionError.self) {
            try ScanReport.parse(Data(#"{"SchemaVersion":2,"CreatedAt":1629894030,"Results":[{"Target":"x"}]}"#.utf8), source: "t")
        }
        #expect(throws: AdmissionError.self) {
            try ScanReport.parse(Data(#"{"SchemaVersion":2,"CreatedAt":"yesterday"}"#.utf8), source: "t")
        }
    }

    @Test func forcingTheWrongScannerOrGarbageIsUnparseable() throws {
        #expect(throws: AdmissionError.self) {
            try ScanReport.parse(try fixture("trivy-alpine-310.json"), as: .grype, source: "t")
        }
        #expect(throws: AdmissionError.self) { try ScanReport.parse(Data(#"{"hello":1}"#.utf8), source: "x") }
        #expect(throws: AdmissionError.self) { try ScanReport.parse(Data("[]".utf8), source: "x") }
        #expect(throws: AdmissionError.self) {
            try ScanReport.parse(
                Data(#"{"SchemaVersion":2,"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-1","PkgName":"p","Severity":"SEVERE"}]}]}"#.utf8),
                source: "x")
        }
    }

    /// Item 3: reports are read strictly; anything another reader could take differently is refused,
    /// with the field named.
    @Test(arguments: [
        (
            #"{"SchemaVersion":2,"Results":[],"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-1","PkgName":"p","Severity":"CRITICAL"}]}]}"#,
            #"duplicate key "Results""#
        ),
        (#"{"SchemaVersion":2,"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-1","Severity":"HIGH"}]}]}"#, "Results[0].Vulnerabilities[0].PkgName"),
        (
            #"{"SchemaVersion":2,"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-1","PkgName":"p","Severity":"critical"}]}]}"#,
            "unknown severity 'critical'"
        ),
        (
            #"{"SchemaVersion":2,"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-1","PkgName":"p","Severity":"NEGLIGIBLE"}]}]}"#,
            "unknown severity 'NEGLIGIBLE'"
        ),
        (#"{"SchemaVersion":2,"Results":[{"Vulnerabilities":[{"VulnerabilityID":"","PkgName":"p","Severity":"LOW"}]}]}"#, "VulnerabilityID"),
        (#"{"SchemaVersion":"2"}"#, "field SchemaVersion"),
        (#"{"SchemaVersion":1,"Results":[]}"#, "schema version 1 is not 2"),
        (#"{"SchemaVersion":2,"Results":{}}"#, "field Results"),
        (#"{"SchemaVersion":2,"Results":[],"matches":[]}"#, "has both"),
        (#"{"matches":[{"vulnerability":{"id":"CVE-1","severity":"CRITICAL"},"artifact":{"name":"p"}}]}"#, "unknown severity 'CRITICAL'"),
        (#"{"matches":[{"vulnerability":{"id":"CVE-1","severity":"High"},"artifact":{}}]}"#, "matches[0].artifact.name"),
        (#"{"matches":[],"descriptor":{"name":"trivy"}}"#, "descriptor.name"),
        (#"{"matches":[],"descriptor":{"timestamp":"last tuesday"}}"#, "descriptor.timestamp"),
        (#"{"SchemaVersion":2} trailing"#, "after the document's value"),
    ])
    func malformedReportsAreRefusedNamingTheField(report: String, expected: String) {
        do {
            _ = try ScanReport.parse(Data(report.utf8), source: "r.json")
            Issue.record("accepted \(report)")
        } catch {
            #expect("\(error)".hasPrefix("r.json: unparseable report: "), "\(error)")
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func severitiesAreReadAsEachScannerSpellsThem() {
        #expect(Severity(trivy: "CRITICAL") == .critical)
        #expect(Severity(trivy: "Critical") == nil)
        #expect(Severity(trivy: "NEGLIGIBLE") == nil)
        #expect(Severity(grype: "Negligible") == .negligible)
        #expect(Severity(grype: "HIGH") == nil)
        #expect(Severity.allCases.allSatisfy { Severity(grype: $0.rawValue.prefix(1) + $0.rawValue.dropFirst().lowercased()) == $0 })
    }

    @Test func severitiesOrderFromUnknownToCritical() {
        #expect(Severity.unknown < .negligible)
        #expect(Severity.negligible < .low)
        #expect(Severity.high < .critical)
        #expect(Severity(parsing: "Negligible") == .negligible)
        #expect(Severity(parsing: "high") == .high)
    }
}
