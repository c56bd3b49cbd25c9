import ContentDigest
import Foundation
import Testing

@testable import Admission

/// The one intake rule pull and import share (`AttestationIntake.take`).
@Suite struct IntakeRuleTests {
    func envelope(_ gate: GateFixture, key: SigningKey, finished: String) throws -> Data {
        let statement = handStatement(digestHex: String(testDigest.dropFirst(7)), result: #"{"SchemaVersion":2,"Results":[]}"#, finished: finished)
        return try DSSEEnvelope.sign(payload: statement, payloadType: DSSEEnvelope.inTotoPayloadType, key: key).encoded()
    }

    @Test func envelopesNobodyTrustsCannotCrowdOutTheScanThatAdmits_attackFloodingTheRegistry() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let stranger = SigningKey.generate(.ecdsaP256)
        // More untrusted scans than an image may hold, all newer than the one trusted scan.
        var candidates: [AttestationIntake.Candidate] = []
        for index in 0..<(AttestationLimits.maxPerImage + 4) {
            candidates.append(.init(envelope: try envelope(gate, key: stranger, finished: "2026-02-0\(index % 9 + 1)T00:00:00Z"), source: "stranger \(index)"))
        }
        candidates.append(.init(envelope: try envelope(gate, key: gate.key, finished: "2026-01-01T00:00:00Z"), source: "trusted"))
        let keys = AdmissionGate(stateRoot: gate.root).trustedKeys(for: anyAge).keys
        let outcome = AttestationIntake.take(
            candidates, digest: try Digest(parsing: testDigest), keys: keys, threshold: 1, store: AttestationStore(root: gate.root), again: "pull again")
        #expect(outcome.stored.contains { $0.index == candidates.count - 1 }, "the trusted scan is kept: \(outcome.warnings)")
        #expect(outcome.stored.count == AttestationLimits.maxPerImage)
        #expect(outcome.warnings.contains { $0.hasPrefix("skipped 5 older attestations over the limit") }, "\(outcome.warnings)")
        #expect(gate.verdict().admitted, "\(gate.verdict().reasons)")
    }

    @Test func changedAfterSigningOtherImagesAndOtherPredicatesAreSkipped_untrustedOnesKeptInert() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let stranger = SigningKey.generate(.ecdsaP256)
        var tampered = try JSONSerialization.jsonObject(with: try envelope(gate, key: gate.key, finished: "2026-01-01T00:00:00Z")) as! [String: Any]
        tampered["payload"] = Data(
            handStatement(digestHex: String(testDigest.dropFirst(7)), result: #"{"SchemaVersion":2,"Results":[]}"#, finished: "2026-03-01T00:00:00Z")
        ).base64EncodedString()
        let other = try DSSEEnvelope.sign(
            payload: handStatement(digestHex: String(otherDigest.dropFirst(7)), result: #"{"SchemaVersion":2,"Results":[]}"#),
            payloadType: DSSEEnvelope.inTotoPayloadType, key: gate.key
        ).encoded()
        let sbom = try DSSEEnvelope.sign(
            payload: handStatement(predicateType: "https://spdx.dev/Document", digestHex: String(testDigest.dropFirst(7)), result: "{}"),
            payloadType: DSSEEnvelope.inTotoPayloadType, key: gate.key
        ).encoded()
        let candidates: [AttestationIntake.Candidate] = [
            .init(envelope: try JSONSerialization.data(withJSONObject: tampered), source: "tampered"), .init(envelope: other, source: "other image"),
            .init(envelope: sbom, source: "sbom"), .init(envelope: try envelope(gate, key: stranger, finished: "2026-01-01T00:00:00Z"), source: "stranger"),
        ]
        let keys = AdmissionGate(stateRoot: gate.root).trustedKeys(for: anyAge).keys
        let outcome = AttestationIntake.take(
            candidates, digest: try Digest(parsing: testDigest), keys: keys, threshold: 1, store: AttestationStore(root: gate.root), again: "pull again")
        #expect(outcome.stored.map(\.index) == [3], "only the intact untrusted scan is kept: \(outcome.warnings)")
        #expect(outcome.otherPredicates == 1)
        #expect(outcome.warnings.contains { $0.contains("does not count yet") }, "\(outcome.warnings)")
        #expect(!gate.verdict().admitted, "an untrusted scan admits nothing")
    }
}
