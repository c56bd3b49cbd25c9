import Foundation
import Testing

@testable import Admission

/// The admission verdict cache: a start whose envelopes, keys and policy have not changed reuses an
/// admission, and nothing an attacker or time can change is hidden behind it.
@Suite("admission: the verdict cache")
struct VerdictCacheTests {
    /// 2021-08-25T12:20:30Z is when trivy-alpine-310.json finished scanning.
    let scanned = Date(timeIntervalSince1970: 1_629_894_030)

    func entries(_ gate: GateFixture) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: gate.root.appendingPathComponent("cache/verdicts").path)) ?? []
    }

    @Test func anAdmissionIsCachedAndReadsAsAFreshOneLater() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")
        let first = gate.verdict(now: scanned.addingTimeInterval(60))
        #expect(first.admitted, "\(first.reasons)")
        #expect(entries(gate).count == 1)
        let later = gate.verdict(now: scanned.addingTimeInterval(1800))
        #expect(entries(gate).count == 1)
        // The cached verdict is the fresh one, its reasons written for the later moment.
        var fresh = gate.verdict(now: scanned.addingTimeInterval(1800))
        fresh.notes = later.notes
        #expect(later == fresh)
        #expect(later.reasons.contains { $0.hasSuffix("(30m ago), no age limit") })
        #expect(later.reasons != first.reasons)
    }

    @Test func aRefusalIsNeverCached() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-debian-buster.json")  // a CRITICAL finding
        #expect(!gate.verdict(now: scanned).admitted)
        #expect(entries(gate).isEmpty)
    }

    @Test func attackAnAttestationRemovedAfterAnAdmissionNoLongerAdmits() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let file = try gate.attest(report: "trivy-alpine-310.json")
        #expect(gate.verdict(now: scanned.addingTimeInterval(60)).admitted)
        try FileManager.default.removeItem(at: file)
        let after = gate.verdict(now: scanned.addingTimeInterval(120))
        #expect(!after.admitted)
        #expect(after.reasons.first?.hasPrefix("no attestation for") == true)
    }

    @Test func attackAKeyWithdrawnAfterAnAdmissionNoLongerAdmits() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")
        #expect(gate.verdict(now: scanned.addingTimeInterval(60)).admitted)
        try FileManager.default.removeItem(at: gate.root.appendingPathComponent("trusted-keys/ci.pub"))
        #expect(!gate.verdict(now: scanned.addingTimeInterval(120)).admitted)
    }

    @Test func attackAKeyFileReplacedInPlaceIsSeen() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")
        #expect(gate.verdict(now: scanned.addingTimeInterval(60)).admitted)
        // Another key written over the trusted one (same name): the signature no longer verifies.
        let other = SigningKey.generate(.ecdsaP256)
        try other.publicKey.pemRepresentation.write(to: gate.root.appendingPathComponent("trusted-keys/ci.pub"), atomically: false, encoding: .utf8)
        #expect(!gate.verdict(now: scanned.addingTimeInterval(120)).admitted)
    }

    @Test func attackANewerBlockingScanAddedAfterAnAdmissionRefuses() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")
        #expect(gate.verdict(now: scanned.addingTimeInterval(60)).admitted)
        try gate.attest(report: "trivy-debian-buster.json", scannedAt: scanned.addingTimeInterval(90))
        #expect(!gate.verdict(now: scanned.addingTimeInterval(3 * 365 * 86_400)).admitted)
    }

    @Test func aScanAgingPastTheLimitEndsTheCachedAdmission() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")
        var policy = AdmissionPolicy.default
        policy.maxScanAge = "1h"
        #expect(gate.verdict(policy, now: scanned.addingTimeInterval(1800)).admitted)
        let aged = gate.verdict(policy, now: scanned.addingTimeInterval(3700))
        #expect(!aged.admitted)
        #expect(aged.reasons.first?.hasPrefix("scan too old") == true)
    }

    @Test func anIgnoreEntryExpiringEndsTheCachedAdmission() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-debian-buster.json")  // CVE-2019-18224 CRITICAL
        var policy = anyAge
        policy.ignore = [try IgnoreEntry(id: "CVE-2019-18224", reason: "not reachable", expires: "2021-08-26T00:00:00Z")]
        #expect(gate.verdict(policy, now: try time("2021-08-25T23:30:00Z")).admitted)
        #expect(!gate.verdict(policy, now: try time("2021-08-26T00:00:01Z")).admitted)
    }

    @Test func attackAClockThatWentBackwardsDoesNotTrustAnEntryFromItsFuture() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")
        #expect(gate.verdict(now: scanned.addingTimeInterval(60)).admitted)
        // Before the scan finished, the same attestation is a scan from the future, which refuses.
        let before = gate.verdict(now: scanned.addingTimeInterval(-86_400))
        #expect(!before.admitted)
    }

    @Test func aTighterPolicyIsDecidedAfresh() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")  // 4 MEDIUM
        #expect(gate.verdict(now: scanned.addingTimeInterval(60)).admitted)
        var strict = anyAge
        strict.blockAt = .medium
        #expect(!gate.verdict(strict, now: scanned.addingTimeInterval(120)).admitted)
    }

    @Test func attackACacheDirectoryOthersCanWriteIsNeitherReadNorWritten() throws {
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        try gate.attest(report: "trivy-alpine-310.json")
        let cache = gate.root.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: cache.appendingPathComponent("verdicts"), withIntermediateDirectories: true)
        chmod(cache.appendingPathComponent("verdicts").path, 0o777)
        #expect(gate.verdict(now: scanned.addingTimeInterval(60)).admitted)
        #expect(entries(gate).isEmpty)
    }
}
