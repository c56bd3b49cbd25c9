import Foundation
import Testing

/// The admission gate on the real path: `securerun run` (and `--dry-run`) with runc, for each refusal
/// reason and the admitted case. A refusal exits 125 before anything is created, prints the reasons on
/// stderr and nothing on stdout, though the command would print.
@Suite("securerun run: images without a passing signed scan never start")
struct AdmissionRunTests {
    /// One way an image fails admission: how to set it up, and a line the reasons must contain.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        /// The profile's `admission:` block.
        var admission = "  blockAt: HIGH"
        let prepare: @Sendable (AdmissionFixture) throws -> Void
        /// A reason line (without the `  - ` bullet) the refusal must list, given the fixture.
        let reason: @Sendable (AdmissionFixture) -> String
        /// Whether `reason` is the whole line or only its start or middle.
        var exact = false
        var testDescription: String { name }
    }

    static let otherDigest = String(repeating: "0", count: 64)

    static let refusals: [Refusal] = [
        Refusal(name: "no attestation", prepare: { _ in }, reason: { "no attestation for \($0.digest)" }),
        Refusal(
            name: "no signature by a trusted key",
            prepare: { fixture in
                let stranger = fixture.directory.url.appendingPathComponent("stranger").path
                try expectSuccess(fixture.cli.run(["key", "generate", "--out", stranger, "--type", "ed25519"]))
                try expectSuccess(fixture.attest("trivy-alpine-310.json", key: stranger + ".key"))
            }, reason: { _ in "no signature by a trusted key" }),
        Refusal(
            name: "signature invalid (tampered payload)",
            prepare: { fixture in
                try expectSuccess(fixture.attest("trivy-debian-buster.json"))
                try AdmissionFixture.tamper(try #require(fixture.storedAttestations().first))
            }, reason: { _ in "signature invalid: the signature by trusted key" }),
        Refusal(
            name: "subject digest is not this image",
            prepare: { fixture in
                let statement = fixture.statement(digestHex: otherDigest, result: try fixture.reportText("trivy-alpine-310.json"))
                try fixture.plantSigned(statement)
            }, reason: { "subject digest is not this image: attests sha256:\(otherDigest), image is \($0.digest)" }),
        Refusal(
            name: "scan too old", admission: "  blockAt: HIGH\n  maxScanAge: 7d",
            prepare: { try expectSuccess($0.attest("trivy-alpine-310.json", fresh: false)) },  // scanned 2021-08-25
            reason: { _ in "scan too old: attestation" }),
        Refusal(
            name: "blocking vulnerabilities",
            prepare: { try expectSuccess($0.attest("trivy-debian-buster.json")) },
            reason: { _ in "blocking vulnerability CVE-2019-18224 in libidn2-0 2.0.5-1 (critical, fixed in 2.0.5-1+deb10u1)" },
            exact: true),
        Refusal(
            name: "unparseable report",
            prepare: { fixture in
                try fixture.plantSigned(fixture.statement(digestHex: fixture.digestHex, result: #"{"findings":[]}"#))
            }, reason: { _ in "neither a trivy report (SchemaVersion, Results) nor a grype report (matches); it is signed by " }),
        Refusal(
            name: "wrong predicate type (CVE-2022-35929)",
            prepare: { fixture in
                let statement = fixture.statement(
                    digestHex: fixture.digestHex, result: try fixture.reportText("trivy-alpine-310.json"),
                    predicateType: "cosign.sigstore.dev/attestation/vuln/v1")
                try fixture.plantSigned(statement)
            }, reason: { _ in "wrong predicate type 'cosign.sigstore.dev/attestation/vuln/v1'" }),
    ]

    /// An admission fixture over the busybox+probe image, in its own state root; nil when runc or gcc is missing.
    static func fixture() throws -> AdmissionFixture? {
        guard let run = RunFixture.available() else { return nil }
        return try AdmissionFixture(image: "test/gated:1", rootfs: run.rootfs)
    }

    @Test("refused with exit 125, the reasons on stderr, nothing run and nothing left behind", arguments: refusals)
    func refused(_ refusal: Refusal) throws {
        guard let fixture = try Self.fixture() else { return }
        try refusal.prepare(fixture)
        let profileName = "gate-\(UUID().uuidString.prefix(6).lowercased())"
        let profile = try fixture.profile(refusal.admission, name: profileName)
        let header = "securerun: refusing to run \(fixture.image) (\(fixture.digest)): not admitted by profile \"\(profileName)\" [SR027 image-admission]:"
        for dryRun in [false, true] {
            let result = try fixture.cli.run(
                ["run", "--profile", profile] + (dryRun ? ["--dry-run"] : []) + ["--name", profileName, fixture.image, "echo", "started"])
            #expect(result.status == 125, "\(result)")
            #expect(result.stdout.isEmpty, "nothing may start or print: \(result)")
            let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.first == header, "\(result.stderr)")
            let reasons = lines.dropFirst().dropLast()
            #expect(lines.last == "" && !reasons.isEmpty && reasons.allSatisfy { $0.hasPrefix("  - ") }, "\(result.stderr)")
            let expected = refusal.reason(fixture)
            let listed = reasons.contains { refusal.exact ? $0 == "  - " + expected : $0.contains(expected) }
            #expect(listed, "expected a reason \(refusal.exact ? "line" : "containing") '\(expected)' in:\n\(result.stderr)")
            #expect(Leftovers.of(root: fixture.cli.root).isEmpty, "\(Leftovers.of(root: fixture.cli.root))")
        }
    }

    @Test("a signed passing scan admits: the container runs and prints")
    func admittedRuns() throws {
        guard let fixture = try Self.fixture() else { return }
        try expectSuccess(fixture.attest("trivy-alpine-310.json"))  // 4 medium, none at or above HIGH
        let profile = try fixture.profile("  blockAt: HIGH", name: "gate-admits")
        let result = try fixture.cli.run(["run", "--profile", profile, fixture.image, "echo", "started"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "started\n")
        #expect(result.stderr.isEmpty, "\(result)")
        let dryRun = try fixture.cli.run(["run", "--profile", profile, "--dry-run", fixture.image, "echo", "started"])
        #expect(dryRun.status == 0, "\(dryRun)")
        #expect(dryRun.stdout.contains(#""echo","#) || dryRun.stdout.contains(#""echo""#), "\(dryRun)")
        #expect(Leftovers.of(root: fixture.cli.root).isEmpty, "\(Leftovers.of(root: fixture.cli.root))")
    }
}

/// Fails the test (throws) when a set-up command did not succeed.
func expectSuccess(_ result: CLIResult, sourceLocation: SourceLocation = #_sourceLocation) throws {
    guard result.status == 0 else { throw TestFailure("set-up command failed: \(result)") }
}
