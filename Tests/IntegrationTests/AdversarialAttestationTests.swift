import Admission
import Foundation
import Testing

/// Malformed and adversarial envelopes, statements and reports, each stored alone with an image (as a
/// pull or an older securerun leaves them) and judged by the built binary's `image verify` under the
/// default profile: every one is refused (exit 1, no crash), with a reason that names the field.
@Suite("image verify: malformed and adversarial attestations are refused, naming the field", .serialized)
struct AdversarialAttestationTests {
    /// One image and key for every case (one at a time: each case empties the attestation store first).
    static let shared: Result<AdmissionFixture, any Error> = {
        let made = Result { try AdmissionFixture(image: "test/adversarial:1") }
        atexit {
            if case .success(let fixture) = AdversarialAttestationTests.shared { try? FileManager.default.removeItem(at: fixture.directory.url) }
        }
        return made
    }()

    /// How one case makes the bytes it stores.
    enum Make: Sendable {
        /// These exact envelope bytes (from the fixture's trusted key and the statement template).
        case envelope(@Sendable (Parts) throws -> Data)
        /// This statement payload, signed with the trusted key.
        case signed(@Sendable (Parts) throws -> Data)
        /// Something placed in the store by hand (a huge file, a link).
        case file(@Sendable (AdmissionFixture) throws -> Void)
    }

    /// What the cases build from: a clean statement of this image and a signer.
    struct Parts {
        let fixture: AdmissionFixture
        let key: SigningKey

        /// A clean Trivy scan of this image, finished now, with `report` in `predicate.scanner.result`.
        func statement(report: String = Parts.cleanReport, uri: String = "pkg:github/aquasecurity/trivy@0.50.0") -> String {
            String(decoding: fixture.statement(digestHex: fixture.digestHex, result: report, scannerURI: uri), as: UTF8.self)
        }

        static let cleanReport = #"{"SchemaVersion":2,"ArtifactName":"test/admission","Results":[]}"#

        /// A Trivy report with one finding written `finding`.
        static func report(finding: String) -> String {
            #"{"SchemaVersion":2,"ArtifactName":"test/admission","Results":[{"Target":"x","Vulnerabilities":[\#(finding)]}]}"#
        }

        /// The signature JSON over `payload`.
        func signature(_ payload: Data) throws -> String {
            let envelope = try DSSEEnvelope.sign(payload: payload, payloadType: DSSEEnvelope.inTotoPayloadType, key: key)
            return #"{"keyid":"\#(envelope.signatures[0].keyid ?? "")","sig":"\#(envelope.signatures[0].sig)"}"#
        }

        /// An envelope around the clean statement, with its members as given (`PAYLOAD` and `SIG` filled in).
        func envelope(_ template: String) throws -> Data {
            let payload = Data(statement().utf8)
            return Data(
                template.replacingOccurrences(of: "PAYLOAD", with: payload.base64EncodedString())
                    .replacingOccurrences(of: "SIG", with: try signature(payload)).utf8)
        }

        func replacing(_ target: String, with replacement: String, in text: String? = nil) throws -> Data {
            let source = text ?? statement()
            guard source.contains(target) else { throw TestFailure("the statement has no \(target)") }
            return Data(source.replacingOccurrences(of: target, with: replacement).utf8)
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let make: Make
        /// A piece of the refusal the output must contain: the field, and what is wrong with it.
        let expected: String
        var testDescription: String { name }
    }

    static let typeLine = #""payloadType":"application/vnd.in-toto+json""#
    static let vulnType = #""predicateType":"https://cosign.sigstore.dev/attestation/vuln/v1""#

    static let cases: [Case] = [
        // The envelope.
        Case(name: "envelope is not JSON", make: .envelope { _ in Data("not json".utf8) }, expected: "not a dsse envelope: not valid JSON at line 1, column 1"),
        Case(
            name: "envelope says payload twice",
            make: .envelope { try $0.envelope(#"{"payload":"PAYLOAD","payload":"e30=",\#(typeLine),"signatures":[SIG]}"#) },
            expected: #"duplicate key "payload""#),
        Case(
            name: "envelope spells the same key twice, once escaped",
            make: .envelope { try $0.envelope(#"{"payload":"PAYLOAD","p\u0061yload":"e30=",\#(typeLine),"signatures":[SIG]}"#) },
            expected: #"duplicate key "payload""#),
        Case(
            name: "payload is a number", make: .envelope { try $0.envelope(#"{"payload":12,\#(typeLine),"signatures":[SIG]}"#) },
            expected: "field payload (line 1, column 12): expected a string, found a number"),
        Case(
            name: "signatures missing", make: .envelope { try $0.envelope(#"{"payload":"PAYLOAD",\#(typeLine)}"#) },
            expected: "field signatures (line 1, column 1): required field is missing"),
        Case(
            name: "signatures empty", make: .envelope { try $0.envelope(#"{"payload":"PAYLOAD",\#(typeLine),"signatures":[]}"#) },
            expected: "the envelope has no signatures"),
        Case(
            name: "signature is not base64", make: .envelope { try $0.envelope(#"{"payload":"PAYLOAD",\#(typeLine),"signatures":[{"sig":"%%%"}]}"#) },
            expected: "signatures[0].sig is not valid base64"),
        Case(
            name: "payload is not base64", make: .envelope { try $0.envelope(#"{"payload":"*not base64*",\#(typeLine),"signatures":[SIG]}"#) },
            expected: "payload is not valid base64"),
        Case(
            name: "a bundle that is also a bare envelope",
            make: .envelope {
                try $0.envelope(
                    #"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","payload":"e30=","dsseEnvelope":{"payload":"PAYLOAD",\#(typeLine),"signatures":[SIG]}}"#
                )
            }, expected: "has both a bundle's dsseEnvelope and payload"),
        Case(
            name: "a bundle of another media type",
            make: .envelope { try $0.envelope(#"{"mediaType":"application/json","dsseEnvelope":{"payload":"PAYLOAD",\#(typeLine),"signatures":[SIG]}}"#) },
            expected: "field mediaType"),
        Case(
            name: "payload type is not in-toto",
            make: .envelope { try $0.envelope(#"{"payload":"PAYLOAD","payloadType":"application/json","signatures":[SIG]}"#) },
            expected: "payload type 'application/json' is not application/vnd.in-toto+json"),
        Case(
            name: "envelope nested too deep",
            make: .envelope {
                try $0.envelope(
                    #"{"x":\#(String(repeating: "[", count: 40))\#(String(repeating: "]", count: 40)),"payload":"PAYLOAD",\#(typeLine),"signatures":[SIG]}"#)
            }, expected: "values nest more than 16 levels deep"),

        // The statement (signed by the trusted key: it refuses the image).
        Case(name: "payload is not JSON", make: .signed { _ in Data("{\"_type\":".utf8) }, expected: "payload is not an in-toto statement: not valid JSON"),
        Case(
            name: "two subject keys, this image first",
            make: .signed { parts in
                try parts.replacing(
                    #""subject":["#,
                    with:
                        #""subject":[{"name":"a","digest":{"sha256":"\#(parts.fixture.digestHex)"}}],"subject":[{"name":"b","digest":{"sha256":"\#(String(repeating: "0", count: 64))"}},"#
                )
            }, expected: #"duplicate key "subject""#),
        Case(
            name: "two predicateType keys, vuln first",
            make: .signed { try $0.replacing(vulnType, with: vulnType + #","predicateType":"https://slsa.dev/provenance/v1""#) },
            expected: #"duplicate key "predicateType""#),
        Case(
            name: "unknown statement type", make: .signed { try $0.replacing("https://in-toto.io/Statement/v0.1", with: "https://in-toto.io/Statement/v9") },
            expected: "field _type: unsupported in-toto statement type 'https://in-toto.io/Statement/v9'"),
        Case(
            name: "no subjects",
            make: .signed { parts in
                try parts.replacing(#""subject":[{"name":"test/admission","digest":{"sha256":"\#(parts.fixture.digestHex)"}}]"#, with: #""subject":[]"#)
            },
            expected: "field subject (line 1, column "),
        Case(
            name: "subject digest is a number",
            make: .signed { parts in try parts.replacing(#""sha256":"\#(parts.fixture.digestHex)""#, with: #""sha256":1"#) },
            expected: "field subject[0].digest.sha256"),
        Case(name: "bytes after the statement", make: .signed { Data(($0.statement() + " {}").utf8) }, expected: "after the document's value"),
        Case(
            name: "a lone surrogate in a string", make: .signed { try $0.replacing(#""ArtifactName":"test/admission""#, with: #""ArtifactName":"\ud800""#) },
            expected: "a lone UTF-16 surrogate"),
        Case(
            name: "invalid UTF-8 in a string",
            make: .signed { parts in
                var data = try parts.replacing(#""ArtifactName":"test/admission""#, with: #""ArtifactName":"ZZ""#)
                let range = try #require(data.range(of: Data("ZZ".utf8)))
                data.replaceSubrange(range, with: [0xC3, 0x28])
                return data
            }, expected: "a string is not valid UTF-8"),
        Case(
            name: "a report nested 100 levels deep",
            make: .signed {
                try $0.replacing(#""Results":[]"#, with: #""Results":[],"Extra":\#(String(repeating: "[", count: 100))\#(String(repeating: "]", count: 100))"#)
            },
            expected: "values nest more than 64 levels deep"),

        // The predicate.
        Case(
            name: "scanner.uri names no scanner", make: .signed { parts in Data(parts.statement(uri: "pkg:github/example/scanner@1").utf8) },
            expected: "field predicate.scanner.uri"),
        Case(
            name: "scanner.uri names both scanners", make: .signed { parts in Data(parts.statement(uri: "aquasecurity/trivy+anchore/grype").utf8) },
            expected: "must name one scanner"),
        Case(
            name: "scanFinishedOn missing", make: .signed { try $0.replacing(#","scanFinishedOn":""#, with: #","scanEndedOn":""#) },
            expected: "field predicate.metadata.scanFinishedOn (line 1, column "),
        Case(
            name: "scanStartedOn later than scanFinishedOn",
            make: .signed { parts in
                Data(
                    String(
                        decoding: parts.fixture.statement(
                            digestHex: parts.fixture.digestHex, result: Parts.cleanReport, started: AdmissionFixture.now(),
                            finished: AdmissionFixture.now(offset: -3600)),
                        as: UTF8.self
                    ).utf8)
            }, expected: "is later than scanFinishedOn"),
        Case(
            name: "scanFinishedOn is not a time",
            make: .signed { parts in
                Data(
                    String(
                        decoding: parts.fixture.statement(
                            digestHex: parts.fixture.digestHex, result: Parts.cleanReport, started: AdmissionFixture.now(), finished: "soon"),
                        as: UTF8.self
                    ).utf8)
            }, expected: "field predicate.metadata.scanFinishedOn (line 1, column "),
        Case(
            name: "an ancient scan time (cosign's unset 0001-01-01)",
            make: .signed { parts in
                Data(
                    String(
                        decoding: parts.fixture.statement(digestHex: parts.fixture.digestHex, result: Parts.cleanReport, finished: "0001-01-01T00:00:00Z"),
                        as: UTF8.self
                    ).utf8)
            }, expected: "is not a real scan time"),
        Case(
            name: "a scan finished in the future",
            make: .signed { parts in
                Data(
                    String(
                        decoding: parts.fixture.statement(digestHex: parts.fixture.digestHex, result: Parts.cleanReport, finished: "2999-01-01T00:00:00Z"),
                        as: UTF8.self
                    ).utf8)
            }, expected: "metadata.scanFinishedOn 2999-01-01T00:00:00Z is in the future"),
        Case(
            name: "the report is null", make: .signed { Data($0.statement(report: "null").utf8) }, expected: "field predicate.scanner.result (line 1, column "),

        // The Trivy report.
        Case(
            name: "Results twice: empty, then one with a CRITICAL",
            make: .signed {
                Data(
                    $0.statement(
                        report: Parts.report(finding: #"{"VulnerabilityID":"CVE-1","PkgName":"p","Severity":"CRITICAL"}"#).replacingOccurrences(
                            of: #""Results":"#, with: #""Results":[],"Results":"#)
                    ).utf8)
            }, expected: #"duplicate key "Results""#),
        Case(
            name: "a finding without PkgName",
            make: .signed { Data($0.statement(report: Parts.report(finding: #"{"VulnerabilityID":"CVE-1","Severity":"HIGH"}"#)).utf8) },
            expected: "field predicate.scanner.result.Results[0].Vulnerabilities[0].PkgName"),
        Case(
            name: "severity SEVERE",
            make: .signed { Data($0.statement(report: Parts.report(finding: #"{"VulnerabilityID":"CVE-1","PkgName":"p","Severity":"SEVERE"}"#)).utf8) },
            expected: "Vulnerabilities[0].Severity (line 1, column "),
        Case(
            name: "severity in lower case",
            make: .signed { Data($0.statement(report: Parts.report(finding: #"{"VulnerabilityID":"CVE-1","PkgName":"p","Severity":"critical"}"#)).utf8) },
            expected: "unknown severity 'critical'"),
        Case(
            name: "SchemaVersion is a string", make: .signed { Data($0.statement(report: #"{"SchemaVersion":"2","ArtifactName":"x"}"#).utf8) },
            expected: "field predicate.scanner.result.SchemaVersion"),
        Case(
            name: "SchemaVersion 3", make: .signed { Data($0.statement(report: #"{"SchemaVersion":3,"ArtifactName":"x"}"#).utf8) },
            expected: "schema version 3 is not 2"),
        Case(
            name: "a Trivy CRITICAL beside an empty Grype matches",
            make: .signed {
                Data(
                    $0.statement(
                        report:
                            #"{"SchemaVersion":2,"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-1","PkgName":"p","Severity":"CRITICAL"}]}],"matches":[]}"#
                    ).utf8)
            }, expected: "has both trivy's SchemaVersion/Results and grype's matches"),
        Case(
            name: "the Trivy scanner named, a Grype report given",
            make: .signed { Data($0.statement(report: #"{"matches":[],"source":{"type":"image"}}"#).utf8) },
            expected: "is a grype report, not the trivy report it is said to be"),
        Case(
            name: "the Grype scanner named, a Trivy report given", make: .signed { Data($0.statement(uri: "pkg:github/anchore/grype@0.70.0").utf8) },
            expected: "is a trivy report, not the grype report it is said to be"),
        Case(
            name: "Results is an object", make: .signed { Data($0.statement(report: #"{"SchemaVersion":2,"Results":{"Target":"x"}}"#).utf8) },
            expected: "field predicate.scanner.result.Results (line 1, column "),
        Case(
            name: "a finding is a string", make: .signed { Data($0.statement(report: Parts.report(finding: #""CVE-1""#)).utf8) },
            expected: "field predicate.scanner.result.Results[0].Vulnerabilities[0] (line 1, column "),
        Case(
            name: "CreatedAt is not a time",
            make: .signed { Data($0.statement(report: #"{"SchemaVersion":2,"CreatedAt":"yesterday","ArtifactName":"x"}"#).utf8) },
            expected: "field predicate.scanner.result.CreatedAt"),

        // The Grype report.
        Case(
            name: "a Grype severity in Trivy's spelling",
            make: .signed {
                Data(
                    $0.statement(
                        report: #"{"matches":[{"vulnerability":{"id":"CVE-1","severity":"CRITICAL"},"artifact":{"name":"p"}}]}"#,
                        uri: "pkg:github/anchore/grype@0.70.0"
                    ).utf8)
            }, expected: "unknown severity 'CRITICAL' (grype writes"),
        Case(
            name: "a Grype match without an artifact name",
            make: .signed {
                Data(
                    $0.statement(
                        report: #"{"matches":[{"vulnerability":{"id":"CVE-1","severity":"High"},"artifact":{"version":"1"}}]}"#,
                        uri: "pkg:github/anchore/grype@0.70.0"
                    ).utf8)
            }, expected: "field predicate.scanner.result.matches[0].artifact.name"),
        Case(
            name: "a Grype descriptor naming another scanner",
            make: .signed { Data($0.statement(report: #"{"matches":[],"descriptor":{"name":"trivy"}}"#, uri: "pkg:github/anchore/grype@0.70.0").utf8) },
            expected: "field predicate.scanner.result.descriptor.name"),

        // The store.
        Case(
            name: "an envelope of 65 MiB",
            make: .file { fixture in
                let file = try fixture.plant(Data("{}".utf8))
                let handle = try FileHandle(forWritingTo: file)
                try handle.truncate(atOffset: UInt64(65 << 20))
                try handle.close()
            }, expected: "bytes is over the attestation size limit of \(64 << 20) bytes"),
        Case(
            name: "a link to /dev/zero in the store",
            make: .file { fixture in
                try FileManager.default.createDirectory(at: fixture.attestationDirectory, withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(
                    atPath: fixture.attestationDirectory.appendingPathComponent("\(String(repeating: "0", count: 64)).json").path,
                    withDestinationPath: "/dev/zero")
            }, expected: "not a regular file; never read"),
    ]

    @Test(arguments: cases)
    func refused(_ adversarial: Case) throws {
        let fixture = try Self.shared.get()
        for directory in [fixture.attestationDirectory, fixture.cli.root.appendingPathComponent("cache/attestations")] {
            try? FileManager.default.removeItem(at: directory)
        }
        let parts = Parts(fixture: fixture, key: try KeyFiles.readSigningKey(fixture.keyPrefix + ".key"))
        switch adversarial.make {
        case .envelope(let make): try fixture.plant(try make(parts))
        case .signed(let make): try fixture.plantSigned(try make(parts))
        case .file(let make): try make(fixture)
        }
        let result = try fixture.verify()
        #expect(result.status == 1, "\(adversarial.name): \(result)")
        #expect(result.stdout.hasPrefix("refused: \(fixture.image) (\(fixture.digest)) under profile default\n"), "\(result)")
        #expect(result.stdout.contains(adversarial.expected), "\(adversarial.name): expected '\(adversarial.expected)' in:\n\(result.stdout)")
        #expect(result.stderr.isEmpty, "\(result)")
        let reasons = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  - ") }
        #expect(reasons.count == 1, "one reason, on one line: \(result.stdout)")
    }

    @Test func thereAreAtLeastThirtyCases() {
        #expect(Self.cases.count >= 30)
        #expect(Set(Self.cases.map(\.name)).count == Self.cases.count)
    }
}
