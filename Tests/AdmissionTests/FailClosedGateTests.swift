import ContentDigest
import Foundation
import Testing

@testable import Admission

/// The gate fails closed: the newest signed scan is never skipped, one document is never read two ways,
/// a scan dated in the future never decides in its favour, and the cache only ever saves work.
@Suite struct FailClosedGateTests {
    let hex = String(repeating: "ab", count: 32)
    let now = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28T20:26:40Z

    func report(_ name: String) throws -> String { try fixtureText(name) }

    /// A finding the gate cannot judge: no package name, or a severity no scanner writes.
    static let unreadableFindings = [
        #"{"SchemaVersion":2,"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-2024-1","Severity":"CRITICAL"}]}]}"#,
        #"{"SchemaVersion":2,"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-2024-1","PkgName":"openssl","Severity":"SEVERE"}]}]}"#,
    ]

    /// Item 2: a newer, validly signed scan whose report cannot be read used to be skipped, and an older
    /// clean scan then admitted the image. It refuses the image now, naming the field.
    @Test(arguments: unreadableFindings)
    func newerSignedScanThatCannotBeJudgedRefusesInsteadOfLettingAnOlderCleanScanAdmit(result: String) throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.storeSigned(
            payload: handStatement(digestHex: hex, result: try report("trivy-alpine-39-skip-no-results.json"), finished: "2026-05-01T00:00:00Z"))
        #expect(gate.verdict(now: now).admitted)
        try gate.storeSigned(payload: handStatement(digestHex: hex, result: result, finished: "2026-05-02T00:00:00Z"))
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.count == 1, "\(verdict.reasons)")
        let field = result.contains("SEVERE") ? "Severity" : "PkgName"
        #expect(verdict.reasons[0].contains("field predicate.scanner.result.Results[0].Vulnerabilities[0].\(field)"), "\(verdict.reasons)")
        #expect(verdict.reasons[0].contains("so it refuses the image until it is removed"), "\(verdict.reasons)")
    }

    /// Whatever its date: an older signed scan that cannot be judged refuses too (remove it to go on).
    @Test func olderSignedScanThatCannotBeJudgedRefusesToo() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let broken = try gate.storeSigned(payload: handStatement(digestHex: hex, result: Self.unreadableFindings[0], finished: "2026-04-01T00:00:00Z"))
        try gate.storeSigned(payload: handStatement(digestHex: hex, result: try report("trivy-alpine-310.json"), finished: "2026-05-02T00:00:00Z"))
        #expect(!gate.verdict(now: now).admitted)
        try AttestationStore(root: gate.root).remove(
            try #require(AttestationStore(root: gate.root).entries(for: Digest(parsing: testDigest)).first { $0.file == broken }),
            for: Digest(parsing: testDigest))
        #expect(gate.verdict(now: now).admitted)
    }

    /// Envelopes that are unsigned, signed only by an untrusted key, or tampered with never count for or
    /// against: they are noted, and the valid scan decides.
    @Test func unsignedAndUntrustedEnvelopesNeverCountForOrAgainst() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.storeSigned(payload: handStatement(digestHex: hex, result: try report("trivy-alpine-310.json"), finished: "2026-05-01T00:00:00Z"))
        let broken = handStatement(digestHex: hex, result: Self.unreadableFindings[1], finished: "2026-05-03T00:00:00Z")
        try gate.store(try DSSEEnvelope.sign(payload: broken, payloadType: DSSEEnvelope.inTotoPayloadType, key: SigningKey.generate(.ed25519)).encoded())
        try gate.store(try DSSEEnvelope(payload: broken.base64EncodedString(), payloadType: DSSEEnvelope.inTotoPayloadType, signatures: []).encoded())
        try gate.store(Data(#"{"not":"an envelope"}"#.utf8))
        let verdict = gate.verdict(now: now)
        #expect(verdict.admitted, "\(verdict.reasons)")
        #expect(verdict.notes.contains { $0.contains("no signature by a trusted key") }, "\(verdict.notes)")
        #expect(verdict.notes.contains { $0.contains("the envelope has no signatures") }, "\(verdict.notes)")
        #expect(verdict.notes.contains { $0.contains("not a dsse envelope") }, "\(verdict.notes)")
    }

    /// Item 2, first half: a scan dated in the future (beyond the skew allowance) counts as finished when it
    /// was stored, and refuses while it is the newest, even after the clock passes the date it claims.
    @Test func futureDatedScanRefusesWhileItIsTheNewestEvenAfterTheClockCatchesUp() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let stored = now
        try gate.storeSigned(payload: handStatement(digestHex: hex, result: try report("trivy-alpine-310.json"), finished: "2026-05-01T00:00:00Z"))
        let future = try gate.storeSigned(payload: handStatement(digestHex: hex, result: try report("trivy-alpine-310.json"), finished: "2026-06-10T00:00:00Z"))
        try gate.setModified(future, stored)
        for moment in [stored.addingTimeInterval(3600), try time("2026-06-20T00:00:00Z")] {
            let verdict = gate.verdict(now: moment)
            #expect(!verdict.admitted, "at \(moment)")
            #expect(verdict.reasons.count == 1)
            #expect(
                verdict.reasons[0].contains("metadata.scanFinishedOn 2026-06-10T00:00:00Z is in the future (stored 2026-05-28T20:26:40Z)"), "\(verdict.reasons)"
            )
            #expect(verdict.reasons[0].contains("until a scan finishing after 2026-05-28T20:26:40Z is stored"))
        }
    }

    /// Item 2, second half: it does not block forever. A valid scan that finished after the moment it was
    /// stored supersedes it (and keeps doing so when the clock passes the date it claimed); a scan that
    /// finished before that moment does not.
    @Test func scanFinishingAfterAFutureDatedOneWasStoredSupersedesIt() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let stored = now
        let future = try gate.storeSigned(
            payload: handStatement(digestHex: hex, result: try report("trivy-debian-buster.json"), finished: "2026-06-10T00:00:00Z"))
        try gate.setModified(future, stored)
        let earlier = try gate.storeSigned(
            payload: handStatement(digestHex: hex, result: try report("trivy-alpine-310.json"), finished: "2026-05-28T19:00:00Z"))
        try gate.setModified(earlier, stored.addingTimeInterval(600))
        #expect(!gate.verdict(now: stored.addingTimeInterval(3600)).admitted)

        let later = try gate.storeSigned(payload: handStatement(digestHex: hex, result: try report("trivy-alpine-310.json"), finished: "2026-05-28T21:00:00Z"))
        try gate.setModified(later, stored.addingTimeInterval(7200))
        for moment in [stored.addingTimeInterval(3 * 3600), try time("2026-06-20T00:00:00Z")] {
            let verdict = gate.verdict(now: moment)
            #expect(verdict.admitted, "at \(moment): \(verdict.reasons)")
            #expect(verdict.scanFinishedOn == "2026-05-28T21:00:00Z")
        }
    }

    @Test func scanWithinTheClockSkewAllowanceIsNotFutureDated() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let file = try gate.storeSigned(payload: handStatement(digestHex: hex, result: try report("trivy-alpine-310.json"), finished: "2026-05-28T20:30:00Z"))
        try gate.setModified(file, now)  // finished 200 s after it was stored
        #expect(gate.verdict(now: now).admitted, "\(gate.verdict(now: now).reasons)")
    }

    /// Item 5: the default policy refuses a scan older than 30 days (a scan dated 0001-01-01 used to be
    /// admitted by the default profile); an unlimited age must be asked for, and is warned about.
    @Test func defaultPolicyRefusesScansOlderThanThirtyDays() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.storeSigned(payload: handStatement(digestHex: hex, result: try report("trivy-alpine-310.json"), finished: "2026-04-01T00:00:00Z"))
        let stale = gate.verdict(.default, now: now)
        #expect(!stale.admitted)
        #expect(stale.reasons.first?.hasSuffix("over the profile's limit of 30d") == true, "\(stale.reasons)")
        #expect(stale.warnings.isEmpty)
        #expect(gate.verdict(.default, now: try time("2026-04-20T00:00:00Z")).admitted)
        let unlimited = gate.verdict(anyAge, now: now)
        #expect(unlimited.admitted)
        #expect(unlimited.warnings == ["the profile sets no maximum scan age (maxScanAge: unlimited): a scan of any age admits"])
    }

    /// Item 3: a document securerun and jq would read differently is refused, not read first-wins.
    @Test func duplicateKeysAreRefusedWhereverTheyAre() throws {
        let clean = try report("trivy-alpine-39-skip-no-results.json")
        let critical = try report("trivy-debian-buster.json")
        let debianResults = try #require(critical.range(of: #""Results":"#)).lowerBound
        let reportWithTwoResults = #"{"SchemaVersion":2,"Results":[],"# + critical[debianResults...]
        let subject = #"{"name":"x","digest":{"sha256":"\#(hex)"}}"#
        let other = #"{"name":"x","digest":{"sha256":"\#(String(repeating: "cd", count: 32))"}}"#
        var statements: [(String, Data, String)] = [
            (
                "a report with an empty Results before one holding a CRITICAL", handStatement(digestHex: hex, result: String(reportWithTwoResults)),
                #"duplicate key "Results""#
            )
        ]
        let base = String(decoding: handStatement(digestHex: hex, result: clean), as: UTF8.self)
        statements.append(
            (
                "two subject keys, this image first",
                Data(base.replacingOccurrences(of: #""subject":["#, with: #""subject":[\#(subject)],"subject":[\#(other),"#).utf8), #"duplicate key "subject""#
            ))
        let vuln = #""predicateType":"https://cosign.sigstore.dev/attestation/vuln/v1""#
        statements.append(
            (
                "two predicateType keys, vuln first",
                Data(base.replacingOccurrences(of: vuln, with: vuln + #","predicateType":"https://slsa.dev/provenance/v1""#).utf8),
                #"duplicate key "predicateType""#
            ))
        statements.append(
            (
                "an escaped spelling of the same key",
                Data(base.replacingOccurrences(of: #""_type":"#, with: #""_typ\u0065":"https://in-toto.io/Statement/v1","_type":"#).utf8),
                #"duplicate key "_type""#
            ))
        for (name, payload, expected) in statements {
            let gate = try GateFixture()
            defer { gate.directory.remove() }
            try gate.storeSigned(payload: handStatement(digestHex: hex, result: clean, finished: "2026-05-01T00:00:00Z"))
            try gate.storeSigned(payload: payload)
            let verdict = gate.verdict(now: now)
            #expect(!verdict.admitted, "\(name)")
            #expect(verdict.reasons.contains { $0.contains(expected) }, "\(name): \(verdict.reasons)")
        }
    }

    /// Item 3: the scanner named decides how the report is read; a Trivy report with a CRITICAL finding
    /// and an empty `matches` is no clean Grype report, and a report of the other scanner is refused.
    @Test(arguments: [
        ("pkg:github/aquasecurity/trivy@0.50.0", "has both trivy's SchemaVersion/Results and grype's matches"),
        ("pkg:github/anchore/grype@0.70.0", "has both trivy's SchemaVersion/Results and grype's matches"),
    ])
    func reportWithBothShapesIsRefused(uri: String, expected: String) throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        var critical = try report("trivy-debian-buster.json").trimmingCharacters(in: .whitespacesAndNewlines)
        critical.removeLast()
        try gate.storeSigned(payload: handStatement(digestHex: hex, result: critical + #","matches":[]}"#, scannerURI: uri))
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.first?.contains(expected) == true, "\(verdict.reasons)")
    }

    @Test func reportOfTheOtherScannerIsRefused() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.storeSigned(
            payload: handStatement(digestHex: hex, result: try report("grype-empty-no-matches.json"), scannerURI: "pkg:github/aquasecurity/trivy@0.50.0"))
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.first?.contains("field predicate.scanner.result") == true, "\(verdict.reasons)")
        #expect(verdict.reasons.first?.contains("is a grype report, not the trivy report it is said to be") == true, "\(verdict.reasons)")
    }

    /// Item 6: an envelope is read and verified once per trusted key; later runs take what the cache
    /// recorded (without reading the file) until the file changes or a new key is trusted.
    @Test func eachEnvelopeIsCheckedOncePerKey() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let forged = try DSSEEnvelope.sign(
            payload: handStatement(digestHex: hex, result: try report("trivy-alpine-310.json")), payloadType: DSSEEnvelope.inTotoPayloadType,
            key: SigningKey.generate(.ecdsaP256))
        try gate.store(try forged.encoded())
        let digest = try Digest(parsing: testDigest)
        let entry = try #require(AttestationStore(root: gate.root).entries(for: digest).first)
        func assessor() -> AttestationAssessor {
            AttestationAssessor(
                store: AttestationStore(root: gate.root), cache: AttestationCache(root: gate.root), digest: digest,
                keys: AdmissionGate(stateRoot: gate.root).trustedKeys(for: .default).keys, threshold: 1)
        }
        let first = assessor().assess(entry)
        guard case .ignored(let reason) = first.standing else { throw TestFailure("\(first.standing)") }
        #expect(reason.contains("no signature by a trusted key"))
        #expect(first.checked == nil)
        let cacheFile = gate.root.appendingPathComponent("cache/attestations/\(digest.directoryName)/\(entry.envelopeHex).json")
        #expect(FileManager.default.fileExists(atPath: cacheFile.path))
        let mode = try FileManager.default.attributesOfItem(atPath: cacheFile.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let directoryMode = try FileManager.default.attributesOfItem(atPath: cacheFile.deletingLastPathComponent().path)[.posixPermissions] as? NSNumber
        #expect(directoryMode?.intValue == 0o700)
        let recorded = try Data(contentsOf: cacheFile)

        // Unreadable bytes behind the same size and time: a read would now say "not a dsse envelope".
        let original = try Data(contentsOf: entry.file)
        try Data(repeating: UInt8(ascii: "x"), count: original.count).write(to: entry.file)
        try gate.setModified(entry.file, entry.storedAt)
        #expect(assessor().assess(entry).standing == first.standing, "taken from the cache, the file unread")
        #expect(try Data(contentsOf: cacheFile) == recorded)

        // A new trusted key is checked once: the file is read again.
        let second = SigningKey.generate(.ed25519)
        try second.publicKey.pemRepresentation.write(to: gate.root.appendingPathComponent("trusted-keys/second.pub"), atomically: true, encoding: .utf8)
        guard case .ignored(let reread) = assessor().assess(entry).standing else { throw TestFailure("expected ignored") }
        #expect(reread.contains("not a dsse envelope"), "\(reread)")
    }

    /// The cache never decides: the envelope that would decide is read and verified again, so a stored
    /// file altered behind an unchanged size and time is caught.
    @Test func decisiveEnvelopeIsVerifiedAgainNotTakenFromTheCache() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let file = try gate.attest(report: "trivy-debian-buster.json")
        var policy = anyAge
        policy.ignore = [
            try IgnoreEntry(id: "CVE-2019-18224", reason: "r", expires: "2099-01-01"),
            try IgnoreEntry(id: "CVE-2019-18276", reason: "r", expires: "2099-01-01"),
        ]
        #expect(gate.verdict(policy, now: now).admitted)
        let modified = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date)
        var envelope = try DSSEEnvelope.parse(try Data(contentsOf: file), source: "t")
        var payload = try envelope.payloadBytes(source: "t")
        let range = try #require(payload.range(of: Data("libidn2-0".utf8)))
        payload[range.lowerBound] = UInt8(ascii: "L")
        envelope.payload = payload.base64EncodedString()
        let tampered = try envelope.encoded()
        #expect(tampered.count == (try Data(contentsOf: file)).count)
        try tampered.write(to: file)
        try gate.setModified(file, modified)
        let verdict = gate.verdict(policy, now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.first?.contains("signature invalid") == true, "\(verdict.reasons)")
    }

    /// A stored file over the gate's limit refuses without being read; a link is never followed.
    @Test func hugeFilesRefuseUnreadAndLinksAreNeverFollowed() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")
        let directory = AttestationStore(root: gate.root).directory(for: try Digest(parsing: testDigest))
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("\(String(repeating: "0", count: 64)).json").path, withDestinationPath: "/dev/zero")
        let linked = gate.verdict(now: now)
        #expect(linked.admitted, "\(linked.reasons)")
        #expect(linked.notes.contains { $0.contains("not a regular file; never read") }, "\(linked.notes)")

        let huge = directory.appendingPathComponent("\(String(repeating: "1", count: 64)).json")
        #expect(FileManager.default.createFile(atPath: huge.path, contents: nil))
        let handle = try FileHandle(forWritingTo: huge)
        try handle.truncate(atOffset: UInt64(AttestationLimits.maxStoredEnvelopeBytes + 1))
        try handle.close()
        let verdict = gate.verdict(now: now)
        #expect(!verdict.admitted)
        #expect(
            verdict.reasons == [
                "\(String(repeating: "1", count: 64)).json: \(AttestationLimits.maxStoredEnvelopeBytes + 1) bytes is over the attestation size limit of \(AttestationLimits.maxStoredEnvelopeBytes) bytes"
            ])
    }

    /// The store keeps at most `maxPerImage` attestations per image and refuses oversized envelopes.
    @Test func storeCapsSizeAndCountPerImage() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let store = AttestationStore(root: gate.root)
        let digest = try Digest(parsing: testDigest)
        #expect(throws: AdmissionError.self) { try store.add(envelope: Data(count: AttestationLimits.maxEnvelopeBytes + 1), for: digest) }
        for index in 0..<AttestationLimits.maxPerImage { try store.add(envelope: Data("\(index)".utf8), for: digest) }
        #expect(throws: AdmissionError.tooManyAttestations(image: testDigest, count: AttestationLimits.maxPerImage, limit: AttestationLimits.maxPerImage)) {
            try store.add(envelope: Data("one more".utf8), for: digest)
        }
        try store.add(envelope: Data("0".utf8), for: digest)  // the same bytes again are no new attestation
        let mode = try FileManager.default.attributesOfItem(atPath: store.directory(for: digest).path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o700)
        let fileMode = try FileManager.default.attributesOfItem(atPath: store.files(for: digest)[0].path)[.posixPermissions] as? NSNumber
        #expect(fileMode?.intValue == 0o600)
    }
}

/// A test's own failure with a message.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
