import ContentDigest
import Foundation
import Testing

@testable import Admission

/// Envelopes fetched from an image's registry (the admission webhook's cache) are judged by the same
/// gate, together with the stored ones: one decision, wherever the envelopes were found.
@Suite struct FetchedAttestationsGateTests {
    let now = Date(timeIntervalSince1970: 1_780_000_000)

    /// The gate's fixture plus a second directory holding fetched envelopes.
    struct Fixture {
        let gate: GateFixture
        let fetchedRoot: TemporaryDirectory
        var fetched: AttestationStore { AttestationStore(root: fetchedRoot.url) }

        init() throws {
            gate = try GateFixture()
            fetchedRoot = try TemporaryDirectory()
        }

        func remove() {
            gate.directory.remove()
            fetchedRoot.remove()
        }

        /// `report` signed by the trusted key for the test image.
        func envelope(_ report: String) throws -> Data {
            try VulnAttestation.envelope(
                report: try fixture(report), scanner: nil, subjectName: "example.test/app", digest: try Digest(parsing: testDigest), key: gate.key,
                source: report)
        }

        @discardableResult
        func fetch(_ report: String) throws -> URL { try fetched.add(envelope: try envelope(report), for: try Digest(parsing: testDigest)) }

        func verdict(withFetched: Bool, now: Date) -> Verdict {
            AdmissionGate(stateRoot: gate.root, fetched: withFetched ? fetched : nil).verdict(imageDigest: testDigest, policy: anyAge, now: now)
        }
    }

    @Test func aFetchedScanAdmitsWhatTheStoreAloneCannot() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let file = try fixture.fetch("trivy-alpine-310.json")
        let admitted = fixture.verdict(withFetched: true, now: now)
        #expect(admitted.admitted, "\(admitted.reasons)")
        #expect(admitted.attestation == file.path)
        let alone = fixture.verdict(withFetched: false, now: now)
        #expect(!alone.admitted)
        #expect(alone.reasons[0].hasPrefix("no attestation for \(testDigest)"))
    }

    /// A cached admission reached with fetched envelopes must not admit the image when they are gone (the
    /// verdict cache's key covers the fetched directory too).
    @Test func anAdmissionWithFetchedEnvelopesIsNotReusedWithoutThem() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.fetch("trivy-alpine-310.json")
        #expect(fixture.verdict(withFetched: true, now: now).admitted)
        #expect(!fixture.verdict(withFetched: false, now: now).admitted)
        try FileManager.default.removeItem(at: fixture.fetchedRoot.url.appendingPathComponent("attestations"))
        #expect(!fixture.verdict(withFetched: true, now: now).admitted)
    }

    /// Scans finished at the same moment: the blocking one decides, whichever place holds it, so a clean
    /// scan in the registry cannot hide a blocking one in the store, nor the other way round.
    @Test(arguments: [true, false])
    func aBlockingScanInEitherPlaceIsNotHidden(blockingFetched: Bool) throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let blocking = "trivy-debian-buster.json"  // CVE-2019-18224 CRITICAL
        let clean = "trivy-alpine-310.json"
        try fixture.fetch(blockingFetched ? blocking : clean)
        try fixture.gate.store(try fixture.envelope(blockingFetched ? clean : blocking))
        let verdict = fixture.verdict(withFetched: true, now: now)
        #expect(!verdict.admitted)
        #expect(verdict.reasons.joined().contains("CVE-2019-18224"), "\(verdict.reasons)")
    }

    @Test func theSameEnvelopeStoredAndFetchedIsJudgedOnce() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        // The same bytes (a new signature would make other bytes: ECDSA signatures are randomised).
        let envelope = try fixture.envelope("trivy-alpine-310.json")
        let stored = try fixture.gate.store(envelope)
        try fixture.fetched.add(envelope: envelope, for: try Digest(parsing: testDigest))
        let verdict = fixture.verdict(withFetched: true, now: now)
        #expect(verdict.admitted)
        #expect(verdict.attestation == stored.path)
        #expect(!verdict.notes.contains { $0.contains("also considered") }, "\(verdict.notes)")
    }
}
