import Foundation

/// Everything that can go wrong while reading keys, envelopes, statements and scanner reports,
/// or while storing attestations. `description` is the one-line, lower-case message a person sees.
public enum AdmissionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file is not a DSSE JSON envelope.
    case notAnEnvelope(source: String, detail: String)
    /// A base64 field of an envelope does not decode.
    case invalidBase64(source: String, field: String)
    /// The envelope carries something other than an in-toto statement.
    case unsupportedPayloadType(source: String, payloadType: String)
    /// The envelope has no signatures at all.
    case noSignatures(source: String)
    /// No trusted keys are configured, so nothing can verify.
    case noTrustedKeys
    /// No signature verifies with any trusted key (and no keyid names one of them).
    case notSignedByTrustedKey(source: String, keyIDs: [String], trustedKeyCount: Int)
    /// A signature whose keyid names a trusted key does not verify: the payload or signature was altered.
    case signatureInvalid(source: String, key: String)
    /// Fewer distinct trusted keys signed than the policy's threshold.
    case belowThreshold(source: String, signers: [String], threshold: Int)
    /// The verified payload is not an in-toto statement.
    case notAStatement(source: String, detail: String)
    /// The statement's `_type` is neither in-toto Statement v1 nor v0.1.
    case unsupportedStatementType(source: String, type: String)
    /// The statement is not a cosign vulnerability scan (CVE-2022-35929: other predicate types must not pass).
    case wrongPredicateType(source: String, predicateType: String)
    /// No subject of the statement names the image being admitted.
    case subjectMismatch(source: String, expected: String, found: [String])
    /// The predicate is not a cosign vuln predicate (missing or bad metadata).
    case invalidPredicate(source: String, detail: String)
    /// The scanner result is neither a Trivy nor a Grype JSON report.
    case unparseableReport(source: String, detail: String)
    /// A timestamp that is neither RFC 3339 nor YYYY-MM-DD.
    case invalidTimestamp(field: String, value: String)
    /// A duration that is not like `7d`, `24h`, `90m`.
    case invalidDuration(field: String, value: String)
    /// A key file that is not the expected PEM.
    case invalidKey(path: String, detail: String)
    /// A key of an algorithm securerun does not verify or sign with.
    case unsupportedKeyType(path: String, algorithm: String)
    /// Refusing to overwrite an existing file.
    case fileExists(path: String)
    /// A file-system operation failed.
    case io(path: String, operation: String, detail: String)
    /// Signing failed inside the crypto library.
    case signingFailed(detail: String)
    /// An envelope over the size securerun stores or reads.
    case attestationTooLarge(source: String, bytes: Int, limit: Int)
    /// The image already keeps as many attestations as it may.
    case tooManyAttestations(image: String, count: Int, limit: Int)
    /// A report that records no scan time, attested without `--scanned-at`.
    case noScanTime(source: String)
    /// `--scanned-at` disagrees with the time the report records.
    case scanTimeConflict(source: String, report: String, given: String)
    /// A scan time in the future (beyond the clock-skew allowance) or before any real scan.
    case implausibleScanTime(source: String, time: String, reason: String)
    /// The report is of another image (its names or digests contradict this image's).
    case reportOfAnotherImage(source: String, detail: String)
    /// The report does not say what it scanned.
    case reportNamesNoArtifact(source: String)
    /// No trusted key, or stored attestation, matches what was asked for.
    case notFound(what: String, detail: String)
    /// A name or prefix matches more than one key or attestation.
    case ambiguous(what: String, matches: [String])
    /// A key name that is not a plain file name.
    case invalidKeyName(name: String, reason: String)

    public var description: String {
        switch self {
        case .notAnEnvelope(let source, let detail):
            return "\(source): not a dsse envelope: \(detail)"
        case .invalidBase64(let source, let field):
            return "\(source): \(field) is not valid base64"
        case .unsupportedPayloadType(let source, let payloadType):
            return "\(source): payload type '\(payloadType)' is not \(DSSEEnvelope.inTotoPayloadType)"
        case .noSignatures(let source):
            return "\(source): the envelope has no signatures"
        case .noTrustedKeys:
            return "no trusted keys: add one with 'securerun key trust FILE.pub' or list it in the profile's admission.trustedKeys"
        case .notSignedByTrustedKey(let source, let keyIDs, let count):
            let ids = keyIDs.map { $0.isEmpty ? "(none)" : $0 }.joined(separator: ", ")
            return "\(source): no signature by a trusted key (\(keyIDs.count) signature(s), keyids \(ids); "
                + "\(count) trusted key(s) tried; the signer is untrusted, or the payload or signature was altered)"
        case .signatureInvalid(let source, let key):
            return "\(source): signature invalid: the signature by trusted key \(key) does not verify (tampered payload or signature)"
        case .belowThreshold(let source, let signers, let threshold):
            return "\(source): signed by \(signers.count) trusted key(s) (\(signers.joined(separator: ", "))), the profile requires \(threshold)"
        case .notAStatement(let source, let detail):
            return "\(source): payload is not an in-toto statement: \(detail)"
        case .unsupportedStatementType(let source, let type):
            return "\(source): field _type: unsupported in-toto statement type '\(type)' (expected \(InTotoStatement.typeV1) or v0.1)"
        case .wrongPredicateType(let source, let predicateType):
            return "\(source): wrong predicate type '\(predicateType)', expected \(VulnPredicate.predicateType)"
        case .subjectMismatch(let source, let expected, let found):
            let names = found.isEmpty ? "no sha256 subject" : found.joined(separator: ", ")
            return "\(source): subject digest is not this image: attests \(names), image is \(expected)"
        case .invalidPredicate(let source, let detail):
            return "\(source): invalid vulnerability predicate: \(detail)"
        case .unparseableReport(let source, let detail):
            return "\(source): unparseable report: \(detail)"
        case .invalidTimestamp(let field, let value):
            return "\(field) '\(value)' is not an rfc 3339 timestamp or a yyyy-mm-dd date"
        case .invalidDuration(let field, let value):
            return "\(field) '\(value)' is not a duration such as 7d, 24h or 90m"
        case .invalidKey(let path, let detail):
            return "key \(path): \(detail)"
        case .unsupportedKeyType(let path, let algorithm):
            return "key \(path): unsupported key type \(algorithm); use ecdsa p-256 or ed25519"
        case .fileExists(let path):
            return "\(path) already exists; refusing to overwrite it"
        case .io(let path, let operation, let detail):
            return "cannot \(operation) \(path): \(detail)"
        case .signingFailed(let detail):
            return "signing failed: \(detail)"
        case .attestationTooLarge(let source, let bytes, let limit):
            return "\(source): \(bytes) bytes is over the attestation size limit of \(limit) bytes"
        case .tooManyAttestations(let image, let count, let limit):
            return "image \(image) already has \(count) attestations (the limit is \(limit)); "
                + "remove old ones with 'securerun image attestation rm' first"
        case .noScanTime(let source):
            return "\(source): the report records no scan time (trivy CreatedAt, grype descriptor.timestamp); "
                + "give the time the scan finished with --scanned-at YYYY-MM-DDTHH:MM:SSZ"
        case .scanTimeConflict(let source, let report, let given):
            return "\(source): the report says it was made at \(report), but --scanned-at says \(given); drop --scanned-at"
        case .implausibleScanTime(let source, let time, let reason):
            return "\(source): scan time \(time) \(reason)"
        case .reportOfAnotherImage(let source, let detail):
            return "\(source): the report is of another image: \(detail); give --force if it really is this image's scan"
        case .reportNamesNoArtifact(let source):
            return "\(source): the report does not say what it scanned (no artifact name or digest); "
                + "give --force if it really is this image's scan"
        case .notFound(let what, let detail):
            return "no \(what): \(detail)"
        case .ambiguous(let what, let matches):
            return "'\(what)' matches \(matches.count) entries (\(matches.joined(separator: ", "))); give more of the name"
        case .invalidKeyName(let name, let reason):
            return "invalid key name '\(name)': \(reason)"
        }
    }
}
