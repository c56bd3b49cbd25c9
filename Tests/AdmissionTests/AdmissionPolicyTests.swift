import Foundation
import Testing

@testable import Admission

@Suite struct AdmissionPolicyTests {
    @Test func emptySectionDecodesToTheSecureDefault() throws {
        let policy = try JSONDecoder().decode(AdmissionPolicy.self, from: Data("{}".utf8))
        #expect(policy == .default)
        #expect(policy.blockAt == .high)
        #expect(policy.threshold == 1)
        #expect(policy.maxScanAge == "30d")
        #expect(try policy.scanAgeLimit()?.seconds == 30 * 86_400)
        #expect(!policy.allowUnattested)
    }

    @Test func fullSectionDecodesAndRoundTrips() throws {
        let json = #"""
            {"trustedKeys":["keys/ci.pub","/etc/securerun/keys"],"threshold":2,"blockAt":"unknown","maxScanAge":"7d",
             "ignore":[{"id":"CVE-2019-18224","reason":"not reachable: idn2 unused","expires":"2030-01-31"}],"allowUnattested":true}
            """#
        let policy = try JSONDecoder().decode(AdmissionPolicy.self, from: Data(json.utf8))
        #expect(policy.threshold == 2)
        #expect(policy.blockAt == .unknown)
        #expect(try policy.scanAgeLimit()?.seconds == 604_800)
        #expect(policy.ignore.first?.id == "CVE-2019-18224")
        #expect(policy.allowUnattested)
        let again = try JSONDecoder().decode(AdmissionPolicy.self, from: try JSONEncoder().encode(policy))
        #expect(again == policy)
        let resolved = policy.resolvingPaths(relativeTo: URL(fileURLWithPath: "/opt/profiles"))
        #expect(resolved.trustedKeys == ["/opt/profiles/keys/ci.pub", "/etc/securerun/keys"])
    }

    @Test(arguments: [
        #"{"maxScanAge":"a week"}"#,
        #"{"threshold":0}"#,
        #"{"blockAt":"severe"}"#,
        #"{"ignore":[{"id":"CVE-1","reason":"","expires":"2030-01-01"}]}"#,
        #"{"ignore":[{"id":"CVE-1","reason":"r","expires":"soon"}]}"#,
        #"{"ignore":[{"id":"CVE-1","reason":"r"}]}"#,
    ])
    func invalidSectionsAreRefused(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AdmissionPolicy.self, from: Data(json.utf8)) }
    }

    /// Scans go stale: with no maxScanAge a profile refuses scans older than 30 days; no limit at all must
    /// be asked for by name, and the gate then warns.
    @Test func noScanAgeLimitMustBeExplicitAndIsWarnedAbout() throws {
        let unlimited = try JSONDecoder().decode(AdmissionPolicy.self, from: Data(#"{"maxScanAge":"unlimited"}"#.utf8))
        #expect(try unlimited.scanAgeLimit() == nil)
        #expect(AdmissionGate.warnings(for: unlimited) == ["the profile sets no maximum scan age (maxScanAge: unlimited): a scan of any age admits"])
        #expect(AdmissionGate.warnings(for: .default).isEmpty)
        let open = try JSONDecoder().decode(AdmissionPolicy.self, from: Data(#"{"allowUnattested":true}"#.utf8))
        #expect(AdmissionGate.warnings(for: open) == ["the profile admits images without a valid attestation (allowUnattested: true)"])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AdmissionPolicy.self, from: Data(#"{"maxScanAge":"forever"}"#.utf8)) }
    }

    @Test func ignoreEntriesApplyThroughTheirExpiryDay() throws {
        let entry = try IgnoreEntry(id: "CVE-1", reason: "r", expires: "2026-01-31")
        #expect(entry.applies(at: try time("2026-01-31T23:59:59Z")))
        #expect(!entry.applies(at: try time("2026-02-01T00:00:00Z")))
        let instant = try IgnoreEntry(id: "CVE-1", reason: "r", expires: "2026-01-31T12:00:00Z")
        #expect(!instant.applies(at: try time("2026-01-31T12:00:01Z")))
    }
}
