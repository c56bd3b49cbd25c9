import Foundation
import Testing

/// Attesting, adding, listing and removing attestations and keys through the built binary, as an operator
/// does: every case of issue 8 that a user meets at `image attest`, `attestation add/ls/rm` and `key …`.
@Suite struct AttestationLifecycleTests {
    typealias Setup = AdmissionFixture

    /// Item 1: a report without a timestamp was stamped "now" and, as the newest scan, overrode an older
    /// one that blocked. The scan time must come from the report or from --scanned-at.
    @Test func reportWithoutAScanTimeIsRefusedAtAttestUnlessScannedAtIsGiven() throws {
        let setup = try Setup()
        _ = try setup.attest("trivy-debian-buster.json")  // a blocking scan
        var text = try String(contentsOfFile: try setup.boundReport("trivy-alpine-310.json"), encoding: .utf8)
        text = text.replacingOccurrences(of: #""CreatedAt": "[^"]*",\s*"#, with: "", options: .regularExpression)
        #expect(!text.contains("CreatedAt"))
        let untimed = setup.directory.url.appendingPathComponent("untimed.json")
        try text.write(to: untimed, atomically: true, encoding: .utf8)
        let attest = ["image", "attest", setup.image, "--report", untimed.path, "--key", setup.keyPrefix + ".key"]

        let refused = try setup.cli.run(attest)
        #expect(refused.status == 125, "\(refused)")
        #expect(
            refused.stderr
                == "securerun: \(untimed.path): the report records no scan time (trivy CreatedAt, grype descriptor.timestamp); "
                + "give the time the scan finished with --scanned-at YYYY-MM-DDTHH:MM:SSZ\n")
        #expect(setup.storedAttestations().count == 1)
        #expect(try setup.verify().status == 1, "the blocking scan still decides")

        let future = try setup.cli.run(attest + ["--scanned-at", AdmissionFixture.now(offset: 86_400)])
        #expect(future.status == 125)
        #expect(future.stderr.contains("is in the future"), "\(future)")
        let garbage = try setup.cli.run(attest + ["--scanned-at", "now"])
        #expect(garbage.status != 0)
        #expect(garbage.stderr.contains("--scanned-at 'now' is not an RFC 3339 time"), "\(garbage)")

        let given = try setup.cli.run(attest + ["--scanned-at", AdmissionFixture.now(offset: 5)])
        #expect(given.status == 0, "\(given)")
        #expect(try setup.verify().status == 0, "a newer clean scan with an explicit time decides")
    }

    /// Item 4: a Debian report was signed for a busybox image without a word; `{"SchemaVersion":2}` alone
    /// counted as clean. Both are refused at attest unless --force.
    @Test func reportOfAnotherImageIsRefusedAtAttestUnlessForced() throws {
        let setup = try Setup()
        let debian = try setup.cli.run([
            "image", "attest", setup.image, "--report", setup.report("trivy-debian-buster.json"), "--key", setup.keyPrefix + ".key",
        ])
        #expect(debian.status == 125, "\(debian)")
        #expect(
            debian.stderr.contains(
                "the report is of another image: it scanned image id sha256:c2c03a296d2329a4f3ab72a7bf38b78a8a80108204d326b0139d6af700e152d1, "
                    + "this image's config digest is \(setup.configDigest); give --force if it really is this image's scan"), "\(debian)")
        let bare = setup.directory.url.appendingPathComponent("bare.json")
        try #"{"SchemaVersion":2,"CreatedAt":"\#(AdmissionFixture.now())"}"#.write(to: bare, atomically: true, encoding: .utf8)
        let nameless = try setup.cli.run(["image", "attest", setup.image, "--report", bare.path, "--key", setup.keyPrefix + ".key"])
        #expect(nameless.status == 125)
        #expect(nameless.stderr.contains("the report does not say what it scanned"), "\(nameless)")
        #expect(setup.storedAttestations().isEmpty)

        let forced = try setup.cli.run(["image", "attest", setup.image, "--report", bare.path, "--key", setup.keyPrefix + ".key", "--force"])
        #expect(forced.status == 0, "\(forced)")
        #expect(setup.storedAttestations().count == 1)
    }

    /// Item 5: the default profile admitted a scan of any age; it now refuses one older than 30 days, and an
    /// unlimited age (or admitting unattested images) is an explicit opt-out that verify warns about.
    @Test func defaultProfileRefusesStaleScansAndOptOutsAreWarnedAbout() throws {
        let setup = try Setup()
        let stale = try setup.cli.run([
            "image", "attest", setup.image, "--report", try setup.boundReport("trivy-alpine-310.json", createdAt: AdmissionFixture.now(offset: -31 * 86_400)),
            "--key", setup.keyPrefix + ".key",
        ])
        #expect(stale.status == 0, "\(stale)")
        let refused = try setup.verify()
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout.contains("over the profile's limit of 30d"), "\(refused)")
        #expect(refused.stderr.isEmpty, "\(refused)")
        #expect(try setup.verify(["--profile", "production"]).stdout.contains("over the profile's limit of 7d"))

        let unlimited = try setup.profile("  maxScanAge: unlimited", name: "forever")
        let admitted = try setup.verify(["--profile", unlimited])
        #expect(admitted.status == 0, "\(admitted)")
        #expect(
            admitted.stderr == "securerun: warning: profile forever: the profile sets no maximum scan age (maxScanAge: unlimited): a scan of any age admits\n",
            "\(admitted)")

        let other = try Setup(image: "test/unattested:1")
        let open = try other.profile("  allowUnattested: true", name: "open")
        let unattested = try other.verify(["--profile", open])
        #expect(unattested.status == 0, "\(unattested)")
        #expect(unattested.stderr.contains("warning: profile open: the profile admits images without a valid attestation (allowUnattested: true)"))
    }

    /// Item 8: attesting the same report twice stores it once.
    @Test func sameReportAttestedTwiceIsStoredOnce() throws {
        let setup = try Setup()
        let report = try setup.boundReport("trivy-alpine-310.json")
        let command = ["image", "attest", setup.image, "--report", report, "--key", setup.keyPrefix + ".key"]
        #expect(try setup.cli.run(command).status == 0)
        let again = try setup.cli.run(command)
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.hasPrefix("already attested: the same trivy report signed by this key is stored; nothing new stored\n"), "\(again)")
        #expect(setup.storedAttestations().count == 1)
    }

    /// Item 8: every cosign key is called cosign.pub; the second is trusted under a name, keys are listed,
    /// and removing one revokes what only it signed.
    @Test func keysAreTrustedByNameListedAndRevoked() throws {
        let setup = try Setup()
        let cosignDirectory = setup.directory.url.appendingPathComponent("release")
        try FileManager.default.createDirectory(at: cosignDirectory, withIntermediateDirectories: true)
        let prefix = cosignDirectory.appendingPathComponent("cosign").path
        try expectSuccess(setup.cli.run(["key", "generate", "--out", prefix]))
        let firstCosign = setup.directory.url.appendingPathComponent("cosign.pub")
        try FileManager.default.copyItem(atPath: setup.keyPrefix + ".pub", toPath: firstCosign.path)
        try expectSuccess(setup.cli.run(["key", "rm", "ci"]))
        try expectSuccess(setup.cli.run(["key", "trust", firstCosign.path]))

        let clash = try setup.cli.run(["key", "trust", prefix + ".pub"])
        #expect(clash.status == 125)
        #expect(
            clash.stderr.contains("invalid key name 'cosign.pub': a different key is already trusted under that name; choose another with --name NAME"),
            "\(clash)")
        let named = try setup.cli.run(["key", "trust", prefix + ".pub", "--name", "release"])
        #expect(named.status == 0, "\(named)")
        #expect(named.stdout.contains("trusted \(setup.cli.root.path)/trusted-keys/release.pub"), "\(named)")
        let again = try setup.cli.run(["key", "trust", prefix + ".pub", "--name", "other"])
        #expect(again.stdout.hasPrefix("already trusted as \(setup.cli.root.path)/trusted-keys/release.pub"), "\(again)")

        let listed = try setup.cli.run(["key", "ls", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]], "\(listed)")
        #expect(rows.compactMap { $0["name"] as? String } == ["cosign.pub", "release.pub"], "\(listed)")
        #expect(rows.allSatisfy { $0["trustedBy"] as? String == "state root" })
        let table = try setup.cli.run(["key", "ls"])
        #expect(table.stdout.hasPrefix("NAME ") && table.stdout.contains("ALGORITHM") && table.stdout.contains("TRUSTED BY"), "\(table)")

        try expectSuccess(setup.attest("trivy-alpine-310.json", key: prefix + ".key"))
        #expect(try setup.verify().status == 0)
        let removed = try setup.cli.run(["key", "rm", "release"])
        #expect(removed.status == 0, "\(removed)")
        let revoked = try setup.verify()
        #expect(revoked.status == 1, "\(revoked)")
        #expect(revoked.stdout.contains("no signature by a trusted key"), "\(revoked)")
        let unknown = try setup.cli.run(["key", "rm", "release"])
        #expect(unknown.status == 125)
        #expect(unknown.stderr.contains("no trusted key 'release': 'securerun key ls' lists the trusted keys"), "\(unknown)")
    }

    /// Item 8: each attestation is listed with its signer, scanner, scan time and verdict alone; a bad one
    /// is removed by the prefix the listing shows, and the image is admitted again.
    @Test func attestationsAreListedWithTheirVerdictAloneAndRemoved() throws {
        let setup = try Setup()
        try expectSuccess(setup.attest("trivy-alpine-310.json"))
        let stranger = setup.directory.url.appendingPathComponent("stranger").path
        try expectSuccess(setup.cli.run(["key", "generate", "--out", stranger]))
        try expectSuccess(setup.attest("trivy-debian-buster.json", key: stranger + ".key"))
        let broken = try setup.plantSigned(
            setup.statement(
                digestHex: setup.digestHex, result: #"{"SchemaVersion":2,"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-1","Severity":"HIGH"}]}]}"#))
        #expect(try setup.verify().status == 1)

        let listed = try setup.cli.run(["image", "attestation", "ls", setup.image])
        #expect(listed.status == 0, "\(listed)")
        let lines = listed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(listed)")
        #expect(lines[0].hasPrefix("ATTESTATION    SIGNED BY   SCANNER   SCAN FINISHED"), "\(listed)")
        #expect(lines.contains { $0.contains("ci.pub") && $0.contains("trivy") && $0.hasSuffix("admitted") }, "\(listed)")
        #expect(lines.contains { $0.contains("no signature by a trusted key") }, "\(listed)")
        let brokenPrefix = String(broken.lastPathComponent.prefix(12))
        #expect(lines.contains { $0.hasPrefix(brokenPrefix) && $0.contains("refuses the image: ") && $0.contains("PkgName") }, "\(listed)")

        let json = try setup.cli.run(["image", "attestation", "ls", setup.image, "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json)")
        #expect(Set(rows.compactMap { $0["standing"] as? String }) == ["counts", "ignored", "refuses"])

        let typo = try setup.cli.run(["image", "attestation", "rm", setup.image, "ffffffffff", brokenPrefix])
        #expect(typo.status == 125, "\(typo)")
        #expect(setup.storedAttestations().count == 3, "a name that matches nothing removes nothing")
        let removed = try setup.cli.run(["image", "attestation", "rm", setup.image, brokenPrefix])
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.stdout == "removed \(broken.path)\n")
        #expect(try setup.verify().status == 0)
        #expect(try setup.cli.run(["image", "attestation", "rm", setup.image, "--all"]).stdout.split(separator: "\n").count == 2)
        #expect(setup.storedAttestations().isEmpty)
    }

    /// Item 6: at most 32 attestations per image, and none over the size limit, are stored.
    @Test func attestationsAreCappedInSizeAndCountPerImage() throws {
        let setup = try Setup()
        let report = try setup.reportText("trivy-alpine-39-skip-no-results.json")
        for index in 0..<32 {
            let added = try setup.addSigned(setup.statement(digestHex: setup.digestHex, result: report, finished: AdmissionFixture.now(offset: -Double(index))))
            #expect(added.status == 0, "\(added)")
        }
        let over = try setup.addSigned(setup.statement(digestHex: setup.digestHex, result: report, finished: AdmissionFixture.now(offset: -100)))
        #expect(over.status == 125)
        #expect(over.stderr.contains("already has 32 attestations (the limit is 32); remove old ones with 'securerun image attestation rm' first"), "\(over)")
        #expect(setup.storedAttestations().count == 32)

        let huge = setup.directory.url.appendingPathComponent("huge.json")
        #expect(FileManager.default.createFile(atPath: huge.path, contents: nil))
        let handle = try FileHandle(forWritingTo: huge)
        try handle.truncate(atOffset: UInt64(33 << 20))
        try handle.close()
        let large = try setup.cli.run(["image", "attestation", "add", setup.image, huge.path])
        #expect(large.status == 125)
        #expect(large.stderr.contains("over the attestation size limit of \(32 << 20) bytes"), "\(large)")
    }
}
