import ContentDigest
import Foundation
import Testing

@testable import Admission

/// Each refusal reason of the admission verdict, and the admitted case.
@Suite struct AdmissionGateTests {
    let now = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28

    @Test func cleanSignedScanIsAdmitted() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let file = try gate.attest(report: "trivy-alpine-310.json")  // 4 MEDIUM, nothing at HIGH or above
        let verdict = gate.verdict(now: now)
        #expect(verdict.admitted, "\(verdict.reasons)")
        #expect(verdict.attestation == file.path)
        #expect(verdict.signedBy == [gate.root.appendingPathComponent("trusted-keys/ci.pub").path])
        #expect(verdict.scanner == "trivy")
        #expect(verdict.counts["medium"] == 4)
        #expect(verdict.blocking.isEmpty)
        #expect(verdict.reasons.contains("no blocking vulnerabilities at or above high (4 found: 4 medium)"))
    }

    @Test func noAttestationIsRefused() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.count == 1)
        #expect(verdict.reasons[0].hasPrefix("no attestation for \(testDigest)"))
    }

    @Test func unattestedIsAdmittedOnlyWhenTheProfileSaysSo() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        var policy = anyAge
        policy.allowUnattested = true
        let verdict = gate.verdict(policy, now: now)
        #expect(verdict.admitted)
        #expect(verdict.reasons[0].contains("allowUnattested"))
    }

    @Test func signatureByAnUntrustedKeyIsRefused() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json", key: SigningKey.generate(.ecdsaP256))
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.count == 1)
        #expect(verdict.reasons[0].contains("no signature by a trusted key"), "\(verdict.reasons)")
    }

    @Test func noTrustedKeysAtAllIsRefused() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")
        try FileManager.default.removeItem(at: gate.root.appendingPathComponent("trusted-keys"))
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons[0].hasPrefix("no trusted keys"))
    }

    @Test(arguments: ["payload", "signature"])
    func tamperedEnvelopeIsRefusedAsInvalidSignature(part: String) throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let original = try VulnAttestation.envelope(
            report: try fixture("trivy-alpine-310.json"), scanner: nil, subjectName: "app", digest: try Digest(parsing: testDigest),
            key: gate.key, source: "r")
        var envelope = try DSSEEnvelope.parse(original, source: "t")
        if part == "payload" {
            var payload = try envelope.payloadBytes(source: "t")
            // Downgrade one finding's severity text: a one-byte change an attacker would like to make.
            let range = try #require(payload.range(of: Data(#""Severity": "MEDIUM""#.utf8)))
            payload[range.lowerBound + 13] = UInt8(ascii: "N")
            envelope.payload = payload.base64EncodedString()
        } else {
            var signature = try #require(Data(base64Encoded: envelope.signatures[0].sig))
            signature[signature.count - 1] ^= 0x01
            envelope.signatures[0].sig = signature.base64EncodedString()
        }
        try gate.store(try envelope.encoded())
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.count == 1)
        #expect(verdict.reasons[0].contains("signature invalid"), "\(verdict.reasons)")
        #expect(verdict.reasons[0].contains("trusted-keys/ci.pub"))
    }

    @Test func attestationForAnotherImageIsRefused() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        // A valid attestation of another image, copied next to this one (a substitution attack).
        try gate.attest(report: "trivy-alpine-310.json", digest: otherDigest, storeDigest: testDigest)
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.count == 1)
        #expect(verdict.reasons[0].contains("subject digest is not this image: attests \(otherDigest), image is \(testDigest)"))
    }

    @Test func scanOlderThanTheLimitIsRefused() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")  // CreatedAt 2021-08-25T12:20:30Z
        var policy = AdmissionPolicy.default
        policy.maxScanAge = "7d"
        let verdict = gate.verdict(policy, now: try time("2021-09-02T12:20:30Z"))
        #expect(!verdict.admitted)
        #expect(verdict.reasons.count == 1)
        #expect(verdict.reasons[0].hasPrefix("scan too old: attestation "))
        #expect(verdict.reasons[0].hasSuffix("finished scanning at 2021-08-25T12:20:30Z, 8d ago, over the profile's limit of 7d"))
        #expect(gate.verdict(policy, now: try time("2021-08-31T12:20:30Z")).admitted)
    }

    @Test func blockingVulnerabilitiesAreListed() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-debian-buster.json")
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.count == 2)
        #expect(verdict.reasons[0].hasPrefix("1 blocking vulnerability at or above high in attestation "))
        #expect(verdict.reasons[1] == "blocking vulnerability CVE-2019-18224 in libidn2-0 2.0.5-1 (critical, fixed in 2.0.5-1+deb10u1)")
        #expect(verdict.blocking.map(\.id) == ["CVE-2019-18224"])
    }

    @Test func productionBlocksEveryKnownVulnerability() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "grype-keycloak-21.0.2-rhel9.json")  // 6 Low
        var policy = anyAge
        policy.blockAt = .unknown
        let verdict = gate.verdict(policy, now: now)
        #expect(!verdict.admitted)
        #expect(verdict.blocking.count == 6)
        #expect(verdict.reasons.contains("blocking vulnerability CVE-2020-12413 in nspr 4.34.0-17.el9_1 (low, no fixed version)"))
        #expect(gate.verdict(now: now).admitted)
    }

    @Test func unparseableReportIsRefused() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.storeSigned(payload: handStatement(digestHex: String(repeating: "ab", count: 32), result: #"{"vulns":[]}"#))
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.count == 1)
        #expect(verdict.reasons[0].contains("unparseable report"), "\(verdict.reasons)")
    }

    /// CVE-2022-35929: cosign accepted attestations of any predicate type. The payload of cosign's
    /// malformed fixture (`cosign.sigstore.dev/attestation/vuln/v1`, no scheme), signed by a trusted key, is refused.
    @Test func wrongPredicateTypeIsRefusedEvenWhenSignedByATrustedKey() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let malformed = try DSSEEnvelope.parse(try fixture("cosign-policy-malformed-vuln.dsse.json"), source: "m")
        let digest = "sha256:3c19aa980a9c5709a2c96c2d0779febf6e5e453b92b172ce84cb85fdaf695373"
        try gate.storeSigned(payload: try malformed.payloadBytes(source: "m"), digest: digest)
        let verdict = gate.verdict(digest: digest, now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.count == 1)
        #expect(verdict.reasons[0].contains("wrong predicate type 'cosign.sigstore.dev/attestation/vuln/v1'"))

        // The fixture as cosign shipped it (signed by a key nobody publishes) is refused too.
        let unsigned = try GateFixture()
        defer { unsigned.directory.remove() }
        try unsigned.store(try fixture("cosign-policy-malformed-vuln.dsse.json"), digest: digest)
        #expect(!unsigned.verdict(digest: digest, now: now).admitted)
    }

    @Test func wrongPayloadTypeIsRefused() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.storeSigned(
            payload: handStatement(digestHex: String(repeating: "ab", count: 32), result: "{}"), payloadType: "application/json")
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons[0].contains("payload type 'application/json'"))
    }

    /// kyverno#3195: the newest valid attestation decides, not the first one found.
    @Test func newestValidAttestationDecides() throws {
        let hex = String(repeating: "ab", count: 32)
        let clean = String(decoding: try fixture("trivy-alpine-310.json"), as: UTF8.self)
        let critical = String(decoding: try fixture("trivy-debian-buster.json"), as: UTF8.self)

        let newerBlocking = try GateFixture()
        defer { newerBlocking.directory.remove() }
        try newerBlocking.storeSigned(payload: handStatement(digestHex: hex, result: clean, finished: "2026-05-01T00:00:00Z"))
        try newerBlocking.storeSigned(payload: handStatement(digestHex: hex, result: critical, finished: "2026-05-02T00:00:00Z"))
        let refused = newerBlocking.verdict(now: now)
        #expect(!refused.admitted)
        #expect(refused.scanFinishedOn == "2026-05-02T00:00:00Z")

        let newerClean = try GateFixture()
        defer { newerClean.directory.remove() }
        try newerClean.storeSigned(payload: handStatement(digestHex: hex, result: critical, finished: "2026-05-01T00:00:00Z"))
        try newerClean.storeSigned(payload: handStatement(digestHex: hex, result: clean, finished: "2026-05-02T00:00:00Z"))
        // A still newer attestation that does not verify is skipped, not believed.
        let forged = try DSSEEnvelope.sign(
            payload: handStatement(digestHex: hex, result: critical, finished: "2026-05-03T00:00:00Z"),
            payloadType: DSSEEnvelope.inTotoPayloadType, key: SigningKey.generate(.ecdsaP256))
        try newerClean.store(try forged.encoded())
        let admitted = newerClean.verdict(now: now)
        #expect(admitted.admitted, "\(admitted.reasons)")
        #expect(admitted.scanFinishedOn == "2026-05-02T00:00:00Z")
        #expect(admitted.notes.contains { $0.contains("no signature by a trusted key") })
    }

    @Test func scansFinishedAtTheSameTimeAreJudgedTogetherAndTheStrictestDecides() throws {
        let hex = String(repeating: "ab", count: 32)
        let clean = String(decoding: try fixture("trivy-alpine-39-skip-no-results.json"), as: UTF8.self)
        let critical = String(decoding: try fixture("trivy-debian-buster.json"), as: UTF8.self)
        // Whatever order the files sort in, the blocking report stamped at the same time is not hidden.
        for order in [[clean, critical], [critical, clean]] {
            let gate = try GateFixture()
            defer { gate.directory.remove() }
            for report in order {
                try gate.storeSigned(payload: handStatement(digestHex: hex, result: report, finished: "2026-05-02T00:00:00Z"))
            }
            let verdict = gate.verdict(now: now)
            #expect(!verdict.admitted)
            #expect(verdict.reasons.contains { $0.contains("CVE-2019-18224") }, "\(verdict.reasons)")
            #expect(verdict.notes.contains { $0.contains("scan finished at the same time") })
        }
    }

    @Test func activeIgnoreEntriesAdmitAndExpiredOnesStopApplying() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-debian-buster.json")  // CVE-2019-18224 CRITICAL, CVE-2019-18276 LOW
        var policy = anyAge
        policy.ignore = [try IgnoreEntry(id: "cve-2019-18224", reason: "idn2 is never called", expires: "2026-06-30")]
        let admitted = gate.verdict(policy, now: now)
        #expect(admitted.admitted, "\(admitted.reasons)")
        #expect(admitted.ignored.map(\.id) == ["CVE-2019-18224"])

        let expired = gate.verdict(policy, now: try time("2026-07-01T00:00:00Z"))
        #expect(!expired.admitted)
        #expect(
            expired.reasons.contains {
                $0 == "blocking vulnerability CVE-2019-18224 in libidn2-0 2.0.5-1 (critical, fixed in 2.0.5-1+deb10u1) (its ignore entry expired 2026-06-30)"
            })
    }

    @Test func reportWithOnlyIgnoredVulnerabilitiesIsAdmittedUnderProduction() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-debian-buster.json")
        var policy = AdmissionPolicy(blockAt: .unknown, maxScanAge: "7d")
        policy.ignore = [
            try IgnoreEntry(id: "CVE-2019-18224", reason: "idn2 is never called", expires: "2021-12-31"),
            try IgnoreEntry(id: "CVE-2019-18276", reason: "no shell in use", expires: "2021-12-31T00:00:00Z"),
        ]
        let verdict = gate.verdict(policy, now: try time("2021-08-26T00:00:00Z"))
        #expect(verdict.admitted, "\(verdict.reasons)")
        #expect(verdict.ignored.count == 2)
        #expect(verdict.reasons.last == "no blocking vulnerabilities at any severity (2 found: 1 critical, 1 low; 2 ignored by the profile)")
    }

    @Test func thresholdTwoNeedsTwoTrustedSigners() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")
        var policy = anyAge
        policy.threshold = 2
        let verdict = gate.verdict(policy, now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons[0].contains("signed by 1 trusted key(s)"))
        #expect(verdict.reasons[0].contains("the profile requires 2"))
    }

    @Test func policyKeysFromFilesAreTrusted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = SigningKey.generate(.ed25519)
        let keyFile = directory.url.appendingPathComponent("release.pub")
        try key.publicKey.pemRepresentation.write(to: keyFile, atomically: true, encoding: .utf8)
        let envelope = try VulnAttestation.envelope(
            report: try fixture("grype-chainguard-ruby-wolfi.json"), scanner: .grype, subjectName: "app",
            digest: try Digest(parsing: testDigest), key: key, source: "r")
        try AttestationStore(root: directory.url).add(envelope: envelope, for: try Digest(parsing: testDigest))
        let gate = AdmissionGate(stateRoot: directory.url)
        let policy = AdmissionPolicy(trustedKeys: ["release.pub"], maxScanAge: "unlimited").resolvingPaths(relativeTo: directory.url)
        let verdict = gate.verdict(imageDigest: testDigest, policy: policy, now: now)
        #expect(!verdict.admitted)  // 3 HIGH findings
        #expect(verdict.signedBy == [keyFile.path])
        #expect(verdict.blocking.count == 3)
        #expect(!gate.verdict(imageDigest: testDigest, policy: .default, now: now).reasons.contains { $0.contains("blocking") })
    }

    /// A key-signed attestation as cosign 3 stores it: a Sigstore bundle around the DSSE envelope.
    @Test func keySignedSigstoreBundleIsAdmitted() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let envelope = try VulnAttestation.envelope(
            report: try fixture("trivy-alpine-310.json"), scanner: nil, subjectName: "app", digest: try Digest(parsing: testDigest),
            key: gate.key, source: "r")
        var bundle = Data(
            #"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":""}},"dsseEnvelope":"#.utf8)
        bundle.append(envelope)
        bundle.append(Data("}".utf8))
        try gate.store(bundle)
        let verdict = gate.verdict(now: now)
        #expect(verdict.admitted, "\(verdict.reasons)")
    }

    @Test func verdictEncodesAsJSON() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-debian-buster.json")
        let verdict = gate.verdict(now: now)
        let decoded = try JSONDecoder().decode(Verdict.self, from: try JSONEncoder().encode(verdict))
        #expect(decoded == verdict)
    }

    @Test func storeIsContentAddressedAndIdempotent() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let first = try gate.attest(report: "trivy-alpine-310.json")
        let bytes = try Data(contentsOf: first)
        let again = try gate.store(bytes)
        #expect(first == again)
        #expect(first.deletingLastPathComponent().lastPathComponent == "sha256-" + String(repeating: "ab", count: 32))
        let names = try FileManager.default.contentsOfDirectory(atPath: first.deletingLastPathComponent().path)
        #expect(names == [first.lastPathComponent])
    }

    @Test func invalidDigestIsRefused() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let verdict = gate.verdict(digest: "sha256:xyz", now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons == ["invalid digest 'sha256:xyz': a digest is sha256: followed by 64 lower-case hex characters"])
    }
}
