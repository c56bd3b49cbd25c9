import ContentDigest
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

    /// An attestation from its checked parts.
    public init(file: URL, signers: [String], statement: InTotoStatement, predicate: VulnPredicate, report: ScanReport) {
        self.file = file
        self.signers = signers
        self.statement = statement
        self.predicate = predicate
        self.report = report
    }

    /// Runs the checks in the order DSSE requires: decode, verify the signature over the exact payload
    /// bytes, then parse those same bytes once (statement type, predicate type, subject, report).
    public static func check(
        envelope data: Data, file: URL, digest: Digest, keys: [TrustedKey], threshold: Int
    ) throws -> CheckedAttestation {
        let source = "attestation \(file.lastPathComponent)"
        let envelope = try DSSEEnvelope.parse(data, source: source)
        guard envelope.payloadType == DSSEEnvelope.inTotoPayloadType else {
            throw AdmissionError.unsupportedPayloadType(source: source, payloadType: envelope.payloadType)
        }
        let verified = try envelope.verify(trusting: keys, threshold: threshold, source: source)
        let payload = try AttestationPayload.read(verified.payload, source: source)
        let predicate = try payload.vulnPredicate()
        try payload.statement.requireSubject(digest, source: source)
        return CheckedAttestation(
            file: file, signers: verified.signers, statement: payload.statement, predicate: predicate, report: predicate.report)
    }
}
