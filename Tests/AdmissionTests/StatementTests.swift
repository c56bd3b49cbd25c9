import ContentDigest
import Foundation
import Testing

@testable import Admission

@Suite struct StatementTests {
    /// cosign's policy fixture with predicateType `cosign.sigstore.dev/attestation/vuln/v1` (no https://):
    /// a different type, which gates must refuse (CVE-2022-35929).
    @Test func cosignMalformedVulnFixtureIsAWrongPredicateType() throws {
        let envelope = try DSSEEnvelope.parse(try fixture("cosign-policy-malformed-vuln.dsse.json"), source: "malformed")
        let payload = try envelope.payloadBytes(source: "malformed")
        let statement = try InTotoStatement.parse(payload, source: "malformed")
        #expect(statement.type == InTotoStatement.typeV01)
        #expect(throws: AdmissionError.wrongPredicateType(source: "malformed", predicateType: "cosign.sigstore.dev/attestation/vuln/v1")) {
            try AttestationPayload.read(payload, source: "malformed").vulnPredicate()
        }
    }

    /// The valid twin is a vuln statement, but what cosign writes when nothing is set cannot be judged: an
    /// empty `scanner.uri` (no scanner to read the report as), zero scan times, a null result.
    @Test func cosignValidVulnFixtureCannotBeJudged() throws {
        let envelope = try DSSEEnvelope.parse(try fixture("cosign-policy-valid-vuln.dsse.json"), source: "valid")
        let payload = try AttestationPayload.read(try envelope.payloadBytes(source: "valid"), source: "valid")
        #expect(payload.isVulnScan)
        #expect(payload.statement.sha256Subjects == ["sha256:3c19aa980a9c5709a2c96c2d0779febf6e5e453b92b172ce84cb85fdaf695373"])
        #expect(throws: AdmissionError.self) { try payload.vulnPredicate() }
        do {
            _ = try payload.vulnPredicate()
        } catch {
            #expect("\(error)".contains("field predicate.scanner.uri"), "\(error)")
            #expect("\(error)".contains("must name one scanner: trivy (aquasecurity/trivy) or grype (anchore/grype)"), "\(error)")
        }
    }

    /// cosign 3 stores attestations as Sigstore bundles; the DSSE envelope inside is read. This one carries
    /// cosign's generic custom predicate, which is not a vulnerability scan.
    @Test func sigstoreBundleEnvelopeIsReadAndItsCustomPredicateRefused() throws {
        let envelope = try DSSEEnvelope.parse(try fixture("cosign-oci-attestation.sigstore-bundle.json"), source: "bundle")
        #expect(envelope.payloadType == DSSEEnvelope.inTotoPayloadType)
        let payload = try envelope.payloadBytes(source: "bundle")
        let statement = try InTotoStatement.parse(payload, source: "bundle")
        #expect(statement.predicateType == "https://cosign.sigstore.dev/attestation/v1")
        #expect(throws: AdmissionError.wrongPredicateType(source: "bundle", predicateType: "https://cosign.sigstore.dev/attestation/v1")) {
            try AttestationPayload.read(payload, source: "bundle").vulnPredicate()
        }
    }

    @Test(arguments: [InTotoStatement.typeV1, InTotoStatement.typeV01])
    func bothStatementVersionsAreAccepted(type: String) throws {
        let payload = handStatement(type: type, digestHex: String(repeating: "ab", count: 32), result: #"{"SchemaVersion":2}"#)
        let statement = try InTotoStatement.parse(payload, source: "s")
        try statement.requireSubject(try Digest(parsing: testDigest), source: "s")
        #expect(throws: AdmissionError.self) { try statement.requireSubject(try Digest(parsing: otherDigest), source: "s") }
    }

    @Test func otherStatementTypesAreRefused() {
        let payload = handStatement(type: "https://in-toto.io/Statement/v2", digestHex: "ab", result: "{}")
        #expect(throws: AdmissionError.unsupportedStatementType(source: "s", type: "https://in-toto.io/Statement/v2")) {
            try InTotoStatement.parse(payload, source: "s")
        }
    }

    /// What securerun writes is what cosign's vuln predicate spec and Trivy's `cosign-vuln` output look like.
    @Test func builtStatementHasCosignsShapeAndKeepsTheReportBytes() throws {
        let report = try fixture("trivy-debian-buster.json")
        let payload = try VulnAttestation.statement(
            report: report, scanner: nil, subjectName: "example.test/app", digest: try Digest(parsing: testDigest), source: "r")
        let json = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        #expect(json["_type"] as? String == "https://in-toto.io/Statement/v1")
        #expect(json["predicateType"] as? String == "https://cosign.sigstore.dev/attestation/vuln/v1")
        let subject = try #require((json["subject"] as? [[String: Any]])?.first)
        #expect(subject["name"] as? String == "example.test/app")
        #expect((subject["digest"] as? [String: String])?["sha256"] == String(repeating: "ab", count: 32))
        let predicate = try #require(json["predicate"] as? [String: Any])
        let scanner = try #require(predicate["scanner"] as? [String: Any])
        #expect(scanner["uri"] as? String == "pkg:github/aquasecurity/trivy@dev")
        let metadata = try #require(predicate["metadata"] as? [String: String])
        // Trivy's CreatedAt is the scan time.
        #expect(metadata["scanFinishedOn"] == "2021-08-25T12:20:30Z")
        #expect(metadata["scanStartedOn"] == "2021-08-25T12:20:30Z")
        #expect(predicate["invocation"] is [String: Any])
        // The report is embedded byte for byte.
        let text = String(decoding: payload, as: UTF8.self)
        #expect(text.contains(String(decoding: report, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// A report without a time is never stamped "now": it needs an explicit --scanned-at.
    @Test func reportWithoutTimestampNeedsAnExplicitScanTime() throws {
        let report = try fixture("grype-empty-no-matches.json")  // "timestamp": ""
        #expect(throws: AdmissionError.noScanTime(source: "r")) {
            try VulnAttestation.statement(report: report, scanner: .grype, subjectName: "x", digest: try Digest(parsing: testDigest), source: "r")
        }
        let scanned = try time("2026-03-04T05:06:07Z")
        let payload = try VulnAttestation.statement(
            report: report, scanner: .grype, subjectName: "x", digest: try Digest(parsing: testDigest), scannedAt: scanned,
            now: try time("2026-03-05T00:00:00Z"), source: "r")
        let predicate = try AttestationPayload.read(payload, source: "p").vulnPredicate()
        #expect(predicate.scanFinishedOn == scanned)
        #expect(predicate.report.scanner == .grype)
    }

    /// The report's own time wins; --scanned-at may not contradict it, and no scan time may lie in the
    /// future or before any real scan.
    @Test func scanTimesAreTheReportsOwnAndPlausible() throws {
        let now = try time("2026-03-05T00:00:00Z")
        let trivy = try ScanReport.parse(try fixture("trivy-debian-buster.json"), source: "t")  // CreatedAt 2021-08-25T12:20:30Z
        #expect(try VulnAttestation.scanTime(report: trivy, given: nil, now: now, source: "t") == trivy.createdAt)
        #expect(try VulnAttestation.scanTime(report: trivy, given: trivy.createdAt, now: now, source: "t") == trivy.createdAt)
        #expect(throws: AdmissionError.scanTimeConflict(source: "t", report: "2021-08-25T12:20:30Z", given: "2026-03-04T00:00:00Z")) {
            try VulnAttestation.scanTime(report: trivy, given: try time("2026-03-04T00:00:00Z"), now: now, source: "t")
        }
        let untimed = try ScanReport.parse(try fixture("grype-empty-no-matches.json"), source: "g")
        #expect(try VulnAttestation.scanTime(report: untimed, given: now.addingTimeInterval(200), now: now, source: "g") > now)
        for bad in ["2026-03-05T00:10:00Z", "0001-01-01T00:00:00Z"] {
            #expect(throws: AdmissionError.self) { try VulnAttestation.scanTime(report: untimed, given: try time(bad), now: now, source: "g") }
        }
    }

    @Test func unparseableReportsAreNotAttested() {
        #expect(throws: AdmissionError.self) {
            try VulnAttestation.statement(
                report: Data(#"{"hello":"world"}"#.utf8), scanner: nil, subjectName: "x", digest: try Digest(parsing: testDigest), source: "r")
        }
    }
}
