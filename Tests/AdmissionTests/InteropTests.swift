import ContentDigest
import Foundation
import TestSupport
import Testing

@testable import Admission

/// Envelopes from an independent DSSE implementation (Python securesystemslib) verify in securerun,
/// and envelopes securerun writes verify there. Needs PyPI's securesystemslib and cryptography in a venv
/// (`$SECURERUN_TEST_VENV`, default /var/cache/securerun-test-venv; created here when missing).
@Suite(.serialized) struct InteropTests {
    @Test func securesystemslibEnvelopeIsAdmittedAndTamperingIsRefused() throws {
        guard let python = PythonVenv.python() else { return }
        let gate = try GateFixture()
        defer { gate.directory.remove() }
        let work = gate.root.appendingPathComponent("python")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let report = gate.root.appendingPathComponent("report.json")
        try fixture("trivy-alpine-310.json").write(to: report)
        let hex = String(repeating: "ab", count: 32)
        try PythonVenv.run(python, ["sign", report.path, hex, work.path])

        // Trust the Python-made key the way a user would: a file named in the profile.
        var policy = AdmissionPolicy(trustedKeys: [work.appendingPathComponent("key.pub").path], blockAt: .high, maxScanAge: "unlimited")
        try FileManager.default.removeItem(at: gate.root.appendingPathComponent("trusted-keys"))
        let original = try Data(contentsOf: work.appendingPathComponent("envelope.json"))
        try gate.store(original)
        let admitted = gate.verdict(policy)
        #expect(admitted.admitted, "\(admitted.reasons)")
        #expect(admitted.counts["medium"] == 4)
        policy.blockAt = .unknown
        #expect(gate.verdict(policy).blocking.count == 4)
        policy.blockAt = .high

        for part in ["payload", "signature"] {
            let tampered = try GateFixture()
            defer { tampered.directory.remove() }
            var envelope = try DSSEEnvelope.parse(original, source: "python")
            if part == "payload" {
                var payload = try envelope.payloadBytes(source: "python")
                let range = try #require(payload.range(of: Data("libssl1.1".utf8)))
                payload[range.lowerBound] ^= 0x01
                envelope.payload = payload.base64EncodedString()
            } else {
                var signature = try #require(Data(base64Encoded: envelope.signatures[0].sig))
                signature[signature.count / 2] ^= 0x01
                envelope.signatures[0].sig = signature.base64EncodedString()
            }
            try tampered.store(try envelope.encoded())
            let verdict = AdmissionGate(stateRoot: tampered.root).verdict(imageDigest: testDigest, policy: policy)
            #expect(!verdict.admitted, "flipped a byte of the \(part)")
            #expect(verdict.reasons.first?.contains("no signature by a trusted key") == true, "\(verdict.reasons)")
        }
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func securerunEnvelopeVerifiesInSecuresystemslib(algorithm: KeyAlgorithm) throws {
        guard let python = PythonVenv.python() else { return }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = SigningKey.generate(algorithm)
        let envelope = try VulnAttestation.envelope(
            report: try fixture("grype-chainguard-ruby-wolfi.json"), scanner: nil, subjectName: "example.test/app",
            digest: try Digest(parsing: testDigest), key: key, source: "report")
        let envelopeFile = directory.url.appendingPathComponent("envelope.json")
        let keyFile = directory.url.appendingPathComponent("key.pub")
        try envelope.write(to: envelopeFile)
        try key.publicKey.pemRepresentation.write(to: keyFile, atomically: true, encoding: .utf8)
        try PythonVenv.run(python, ["verify", envelopeFile.path, keyFile.path])

        var parsed = try DSSEEnvelope.parse(envelope, source: "e")
        var signature = try #require(Data(base64Encoded: parsed.signatures[0].sig))
        signature[signature.count - 1] ^= 0x01
        parsed.signatures[0].sig = signature.base64EncodedString()
        try parsed.encoded().write(to: envelopeFile)
        #expect(throws: (any Error).self) { try PythonVenv.run(python, ["verify", envelopeFile.path, keyFile.path]) }
    }
}

/// Finds or creates the Python venv with securesystemslib; nil (after printing why) when unavailable
/// outside CI. Under CI=true a missing venv is a test failure.
enum PythonVenv {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func python() -> URL? {
        let environment = ProcessInfo.processInfo.environment
        let venv = URL(fileURLWithPath: environment["SECURERUN_TEST_VENV"] ?? "/var/cache/securerun-test-venv")
        let python = venv.appendingPathComponent("bin/python")
        if (try? run(python, script: "import securesystemslib, cryptography")) != nil { return python }
        do {
            try run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-m", "venv", venv.path])
            try run(venv.appendingPathComponent("bin/pip"), arguments: ["install", "-q", "securesystemslib", "cryptography"])
            try run(python, script: "import securesystemslib, cryptography")
            return python
        } catch {
            let message = "python securesystemslib unavailable at \(venv.path): \(error)"
            TestRun.skip(message)
            return nil
        }
    }

    static func run(_ python: URL, _ arguments: [String]) throws {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        try run(python, arguments: [directory.appendingPathComponent("dsse_interop.py").path] + arguments)
    }

    static func run(_ python: URL, script: String) throws {
        try run(python, arguments: ["-c", script])
    }

    @discardableResult
    static func run(_ executable: URL, arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(executable.lastPathComponent) exited \(process.terminationStatus): \(text)")
        }
        return text
    }
}
