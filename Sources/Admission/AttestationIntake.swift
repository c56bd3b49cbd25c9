import Foundation

/// Checks an envelope made elsewhere before it is stored with an image.
public enum AttestationIntake {
    /// What a person should know about an envelope that parses but would not admit the image yet.
    public struct Findings: Sendable, Equatable {
        /// Warnings, one lower-case line each (wrong subject, predicate, report, or no trusted signature yet).
        public var warnings: [String]
        /// Trusted keys that verify it now.
        public var signers: [String]
    }

    /// Parses `envelope` (DSSE JSON carrying an in-toto statement; throws if it does not) and reports
    /// whether its subject names `digest`, its predicate is a vuln scan with a readable report, and whether
    /// `keys` verify it. The caller stores it only if this does not throw.
    public static func inspect(envelope data: Data, source: String, digest: ImageDigest, keys: [TrustedKey]) throws -> Findings {
        let envelope = try DSSEEnvelope.parse(data, source: source)
        guard envelope.payloadType == DSSEEnvelope.inTotoPayloadType else {
            throw AdmissionError.unsupportedPayloadType(source: source, payloadType: envelope.payloadType)
        }
        // Unverified parse, for diagnosis only: admission parses again from verified bytes.
        let payload = try envelope.payloadBytes(source: source)
        let statement = try InTotoStatement.parse(payload, source: source)
        var warnings: [String] = []
        do {
            try statement.requireSubject(digest, source: source)
        } catch {
            warnings.append("\(error)")
        }
        do {
            let predicate = try VulnPredicate.parse(payload, statement: statement, source: source)
            _ = try predicate.report.get()
        } catch {
            warnings.append("\(error)")
        }
        var signers: [String] = []
        do {
            signers = try envelope.verify(trusting: keys, source: source).signers
        } catch {
            warnings.append("\(error)")
        }
        return Findings(warnings: warnings, signers: signers)
    }
}
