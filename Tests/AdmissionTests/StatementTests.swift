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
            try VulnPredicate.parse(payload, statement: statement, source: "malformed")
        }
    }

    /// The valid twin parses as a vuln predicate, but its `scanner.result` is null: an unparseable report.
    @Test func cosignValidVulnFixtureParsesWithANullResult() throws {
        let envelope = try DSSEEnvelope.parse(try fixture("cosign-policy-valid-vuln.dsse.json"), source: "valid")
        let payload = try envelope.payloadBytes(source: "valid")
        let statement = try InTotoStatement.parse(payload, source: "valid")
        let predicate = try VulnPredicate.parse(payload, statement: statement, source: "valid")
        #expect(Timestamp.format(predicate.scanFinishedOn) == "0001-01-01T00:00:00Z")
        #expect(throws: AdmissionError.unparseableReport(source: "valid", detail: "predicate.scanner.result is missing or null")) {
            try predicate.report.get()
        }
        #expect(statement.sha256Subjects == ["sha256:3c19aa980a9c5709a2c96c2d0779febf6e5e453b92b172ce84cb85fdaf695373"])
    }

    /// cosign 3 stores attestations as Sigstore bundles; the DSSE envelope inside is read. This one carries
    /// cosign's generic custom predicate, which is not a vulnerability scan.
    @Test func sigstoreBundleEnvelopeIsReadAndItsCustomPredicateRefused() throws {
        let envelope = try DSSEEnvelope.parse(try fixture("cosign-oci-attestation.sigstore-bundle.json"), source: "bundle")
        #expect(envelope.payloadType == DSSEEnvelope.inTotoPayloadType)
        let payload = try envelope.payloadBytes(source: "bundle")
        let statement = try InTotoStatement.parse(payload, source: "bundle")
        #expect(throws: AdmissionError.wrongPredicateType(source: "bundle", predicateType: "https://cosign.sigstore.dev/attestation/v1")) {
            try VulnPredicate.parse(payload, statement: statement, source: "bundle")
        }
    }

    @Test(arguments: [InTotoStatement.typeV1, InTotoStatement.typeV01])
    func bothStatementVersionsAreAccepted(type: String) throws {
        let payload = handStatement(type: type, digestHex: String(repeating: "ab", count: 32), result: #"{"SchemaVersion":2}"#)
        let statement = try InTotoStatement.parse(payload, source: "s")
        try statement.requireSubject(try ImageDigest(testDigest), source: "s")
        #expect(throws: AdmissionError.self) { try statement.requireSubject(try ImageDigest(otherDigest), source: "s") }
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
            report: report, scanner: nil, subjectName: "example.test/app", digest: try ImageDigest(testDigest), source: "r")
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

    @Test func reportWithoutTimestampUsesNow() throws {
        let now = try time("2026-03-04T05:06:07Z")
        let payload = try VulnAttestation.statement(
            report: try fixture("grype-empty-no-matches.json"), scanner: .grype, subjectName: "x", digest: try ImageDigest(testDigest),
            now: now, source: "r")
        let statement = try InTotoStatement.parse(payload, source: "p")
        let predicate = try VulnPredicate.parse(payload, statement: statement, source: "p")
        #expect(predicate.scanFinishedOn == now)
        #expect(try predicate.report.get().scanner == .grype)
    }

    @Test func unparseableReportsAreNotAttested() {
        #expect(throws: AdmissionError.self) {
            try VulnAttestation.statement(
                report: Data(#"{"hello":"world"}"#.utf8), scanner: nil, subjectName: "x", digest: try ImageDigest(testDigest), source: "r")
        }
    }
}
