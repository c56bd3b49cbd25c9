import Foundation

/// The in-toto Statement layer (in-toto/attestation `spec/v1/statement.md`): what the attestation is about
/// (`subject`) and what kind of claim it makes (`predicateType`).
public struct InTotoStatement: Sendable, Equatable, Decodable {
    /// Statement v1.
    public static let typeV1 = "https://in-toto.io/Statement/v1"
    /// Statement v0.1, which cosign's own fixtures still write.
    public static let typeV01 = "https://in-toto.io/Statement/v0.1"

    /// One subject: a name and its digests by algorithm.
    public struct Subject: Sendable, Equatable, Codable {
        /// Usually the image repository.
        public var name: String?
        /// Digests by algorithm, e.g. `["sha256": "<hex>"]`.
        public var digest: [String: String]
    }

    /// `_type`.
    public var type: String
    /// The subjects.
    public var subject: [Subject]
    /// The predicate type URI.
    public var predicateType: String

    private enum CodingKeys: String, CodingKey {
        case type = "_type"
        case subject
        case predicateType
    }

    /// Parses the statement header from verified payload bytes and checks `_type` (v1 or v0.1).
    public static func parse(_ payload: Data, source: String) throws -> InTotoStatement {
        let statement: InTotoStatement
        do {
            statement = try JSONDecoder().decode(InTotoStatement.self, from: payload)
        } catch let error as DecodingError {
            throw AdmissionError.notAStatement(source: source, detail: DecodingErrorText.describe(error))
        } catch {
            throw AdmissionError.notAStatement(source: source, detail: "\(error)")
        }
        guard statement.type == typeV1 || statement.type == typeV01 else {
            throw AdmissionError.unsupportedStatementType(source: source, type: statement.type)
        }
        return statement
    }

    /// The image digests the subjects name, as `sha256:<hex>` (lower-cased).
    public var sha256Subjects: [String] {
        subject.compactMap { $0.digest["sha256"].map { "sha256:\($0.lowercased())" } }
    }

    /// Throws unless a subject's sha256 digest is `digest`.
    public func requireSubject(_ digest: ImageDigest, source: String) throws {
        guard sha256Subjects.contains(digest.description) else {
            throw AdmissionError.subjectMismatch(source: source, expected: digest.description, found: sha256Subjects)
        }
    }
}
