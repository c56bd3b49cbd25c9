import Foundation

/// An attestation that passed every check that does not depend on policy thresholds: a trusted signature
/// over the exact payload, an in-toto statement naming the image, the cosign vuln predicate, a parsed report.
public struct CheckedAttestation: Sendable, Equatable {
    /// The envelope file.
    public var file: URL
    /// The trusted keys whose signatures verified.
    public var signers: [String]
    /// The statement header.
    public var statement: InTotoStatement
    /// The predicate (scan times).
    public var predicate: VulnPredicate
    /// The parsed scanner report.
    public var report: ScanReport

    /// Runs the checks in the order DSSE requires: decode, verify the signature over the exact payload
    /// bytes, then parse those same bytes (statement type, predicate type, subject, report).
    public static func check(
        envelope data: Data, file: URL, digest: ImageDigest, keys: [TrustedKey], threshold: Int
    ) throws -> CheckedAttestation {
        let source = "attestation \(file.lastPathComponent)"
        let envelope = try DSSEEnvelope.parse(data, source: source)
        guard envelope.payloadType == DSSEEnvelope.inTotoPayloadType else {
            throw AdmissionError.unsupportedPayloadType(source: source, payloadType: envelope.payloadType)
        }
        let verified = try envelope.verify(trusting: keys, threshold: threshold, source: source)
        let statement = try InTotoStatement.parse(verified.payload, source: source)
        let predicate = try VulnPredicate.parse(verified.payload, statement: statement, source: source)
        try statement.requireSubject(digest, source: source)
        let report = try predicate.report.get()
        return CheckedAttestation(
            file: file, signers: verified.signers, statement: statement, predicate: predicate, report: report)
    }

    /// Reads `file` and checks it (see `check(envelope:…)`).
    public static func check(file: URL, digest: ImageDigest, keys: [TrustedKey], threshold: Int) throws -> CheckedAttestation {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw AdmissionError.io(path: file.path, operation: "read attestation", detail: IOText.describe(error))
        }
        return try check(envelope: data, file: file, digest: digest, keys: keys, threshold: threshold)
    }
}
