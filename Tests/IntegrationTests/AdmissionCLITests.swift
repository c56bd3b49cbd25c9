import Admission
import Foundation
import Testing

/// `securerun key …`, `image attest`, `image attestation add` and `image verify` on the built binary:
/// each refusal reason, and the admitted case. No root needed.
@Suite struct AdmissionCLITests {
    typealias Setup = AdmissionFixture

    @Test(arguments: ["ecdsa-p256", "ed25519"])
    func keyGenerateWritesAPrivateKeyOnlyTheOwnerCanReadAndNeverOverwrites(type: String) throws {
        let directory = try TemporaryDirectory("securerun-keys")
        let cli = CLI(root: directory.url.appendingPathComponent("state"))
        let prefix = directory.url.appendingPathComponent("release").path
        let result = try cli.run(["key", "generate", "--out", prefix, "--type", type])
        #expect(result.status == 0, "\(result)")
        let attributes = try FileManager.default.attributesOfItem(atPath: prefix + ".key")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try String(contentsOfFile: prefix + ".key", encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(try String(contentsOfFile: prefix + ".pub", encoding: .utf8).hasPrefix("-----BEGIN PUBLIC KEY-----"))
        let before = try Data(contentsOf: URL(fileURLWithPath: prefix + ".key"))
        let again = try cli.run(["key", "generate", "--out", prefix])
        #expect(again.status == 125)
        #expect(again.stderr == "securerun: \(prefix).key already exists; refusing to overwrite it\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: prefix + ".key")) == before)
    }

    @Test func keyTrustRefusesWhatIsNotAPublicKey() throws {
        let directory = try TemporaryDirectory("securerun-keys")
        let cli = CLI(root: directory.url.appendingPathComponent("state"))
        let prefix = directory.url.appendingPathComponent("k").path
        _ = try cli.run(["key", "generate", "--out", prefix])
        let result = try cli.run(["key", "trust", prefix + ".key"])
        #expect(result.status == 125)
        #expect(result.stderr.contains("expected a PUBLIC KEY pem block, found PRIVATE KEY"))
        #expect(!FileManager.default.fileExists(atPath: cli.root.appendingPathComponent("trusted-keys/k.key").path))
    }

    @Test func signedCleanScanIsAdmitted() throws {
        let setup = try Setup()
        let attested = try setup.attest("trivy-alpine-310.json")
        #expect(attested.status == 0, "\(attested)")
        #expect(attested.stdout.contains("with a trivy report (4 vulnerabilities: 4 medium)"))
        let verified = try setup.verify()
        #expect(verified.status == 0, "\(verified)")
        #expect(verified.stdout.hasPrefix("admitted: \(setup.image) (\(setup.digest)) under profile default\n"))
        let json = try setup.verify(["--json"])
        let verdict = try JSONDecoder().decode(Verdict.self, from: Data(json.stdout.utf8))
        #expect(verdict.admitted)
        #expect(verdict.imageDigest == setup.digest)
        #expect(verdict.counts["medium"] == 4)
    }

    @Test func noAttestationIsRefused() throws {
        let setup = try Setup()
        let result = try setup.verify()
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("refused: \(setup.image) (\(setup.digest)) under profile default"))
        #expect(result.stdout.contains("  - no attestation for \(setup.digest)"))
    }

    @Test func untrustedSignerIsRefused() throws {
        let setup = try Setup()
        let stranger = setup.directory.url.appendingPathComponent("stranger").path
        _ = try setup.cli.run(["key", "generate", "--out", stranger, "--type", "ed25519"])
        let attested = try setup.attest("trivy-alpine-310.json", key: stranger + ".key")
        #expect(attested.stderr.contains("note: this key is not in"))
        let result = try setup.verify()
        #expect(result.status == 1)
        #expect(result.stdout.contains("no signature by a trusted key"), "\(result)")
    }

    @Test func tamperedPayloadIsRefusedAsInvalidSignature() throws {
        let setup = try Setup()
        _ = try setup.attest("trivy-debian-buster.json")
        try AdmissionFixture.tamper(try #require(setup.storedAttestations().first))
        let result = try setup.verify()
        #expect(result.status == 1)
        #expect(result.stdout.contains("signature invalid: the signature by trusted key"), "\(result)")
    }

    /// Item 4: `attestation add` used to store an envelope for a different digest and exit 0; it refuses
    /// now and stores nothing. One planted behind its back is still refused by the gate.
    @Test func attestationOfAnotherImageIsRefused() throws {
        let setup = try Setup()
        let other = String(repeating: "0", count: 64)
        let report = try setup.reportText("trivy-alpine-310.json")
        let added = try setup.addSigned(setup.statement(digestHex: other, result: report))
        #expect(added.status == 125, "\(added)")
        #expect(added.stderr.contains("subject digest is not this image: attests sha256:\(other), image is \(setup.digest)"), "\(added)")
        #expect(setup.storedAttestations().isEmpty)
        try setup.plantSigned(setup.statement(digestHex: other, result: report))
        let result = try setup.verify()
        #expect(result.status == 1)
        #expect(result.stdout.contains("subject digest is not this image: attests sha256:\(other), image is \(setup.digest)"), "\(result)")
    }

    @Test func staleScanIsRefusedUnderAScanAgeLimit() throws {
        let setup = try Setup()
        _ = try setup.attest("trivy-alpine-310.json", fresh: false)  // scanned 2021-08-25
        let profile = try setup.profile("  blockAt: HIGH\n  maxScanAge: 7d")
        let result = try setup.verify(["--profile", profile])
        #expect(result.status == 1)
        #expect(result.stdout.contains("scan too old: attestation"), "\(result)")
        #expect(result.stdout.contains("finished scanning at 2021-08-25T12:20:30Z"))
        #expect(result.stdout.contains("over the profile's limit of 7d"))
    }

    @Test func blockingVulnerabilityIsListedAndIgnoreEntriesApplyUntilTheyExpire() throws {
        let setup = try Setup()
        _ = try setup.attest("trivy-debian-buster.json")
        let refused = try setup.verify()
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("  - blocking vulnerability CVE-2019-18224 in libidn2-0 2.0.5-1 (critical, fixed in 2.0.5-1+deb10u1)\n"), "\(refused)")

        let ignoring = try setup.profile(
            "  blockAt: HIGH\n  ignore:\n    - id: CVE-2019-18224\n      reason: idn2 is never called\n      expires: 2099-12-31")
        let admitted = try setup.verify(["--profile", ignoring])
        #expect(admitted.status == 0, "\(admitted)")

        let expired = try setup.profile(
            "  blockAt: HIGH\n  ignore:\n    - id: CVE-2019-18224\n      reason: idn2 is never called\n      expires: 2020-01-31")
        let lapsed = try setup.verify(["--profile", expired])
        #expect(lapsed.status == 1)
        #expect(lapsed.stdout.contains("(its ignore entry expired 2020-01-31)"), "\(lapsed)")
    }

    @Test func unparseableReportIsRefused() throws {
        let setup = try Setup()
        let statement = setup.statement(digestHex: setup.digestHex, result: #"{"findings":[]}"#)
        let added = try setup.addSigned(statement)
        #expect(added.status == 125, "\(added)")
        #expect(added.stderr.contains("unparseable report"), "\(added)")
        #expect(setup.storedAttestations().isEmpty)
        try setup.plantSigned(statement)
        let result = try setup.verify()
        #expect(result.status == 1)
        #expect(result.stdout.contains("unparseable report: field predicate.scanner.result (line 1, column "), "\(result)")
        #expect(result.stdout.contains("neither a trivy report (SchemaVersion, Results) nor a grype report (matches)"), "\(result)")
    }

    /// CVE-2022-35929: a trusted signature over another predicate type must not admit.
    @Test func wrongPredicateTypeIsRefused() throws {
        let setup = try Setup()
        let statement = setup.statement(
            digestHex: setup.digestHex, result: try setup.reportText("trivy-alpine-310.json"), predicateType: "cosign.sigstore.dev/attestation/vuln/v1")
        let added = try setup.addSigned(statement)
        #expect(added.status == 125, "\(added)")
        try setup.plantSigned(statement)
        let result = try setup.verify()
        #expect(result.status == 1)
        #expect(result.stdout.contains("wrong predicate type 'cosign.sigstore.dev/attestation/vuln/v1'"), "\(result)")
    }

    @Test func attestationAddRefusesWhatDoesNotParseAndStoresNothing() throws {
        let setup = try Setup()
        let junk = setup.directory.url.appendingPathComponent("junk.json")
        try #"{"hello":"world"}"#.write(to: junk, atomically: true, encoding: .utf8)
        let result = try setup.cli.run(["image", "attestation", "add", setup.image, junk.path])
        #expect(result.status == 125)
        #expect(result.stderr.contains("not a dsse envelope"), "\(result)")
        #expect(setup.storedAttestations().isEmpty)
    }

    @Test func verifyByDigestAndUnknownImages() throws {
        let setup = try Setup()
        _ = try setup.attest("trivy-alpine-310.json")
        #expect(try setup.cli.run(["image", "verify", "--digest", setup.digest]).status == 0)
        let missing = try setup.cli.run(["image", "verify", "nosuch/image:1"])
        #expect(missing.status == 125)
        #expect(missing.stderr.hasPrefix("securerun: "))
    }
}
