import ContentDigest
import Foundation
import StrictJSON

/// The in-toto Statement layer (in-toto/attestation `spec/v1/statement.md`): what the attestation is about
/// (`subject`) and what kind of claim it makes (`predicateType`).
public struct InTotoStatement: Sendable, Equatable {
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

    /// Parses the statement header from verified payload bytes and checks `_type` (v1 or v0.1).
    public static func parse(_ payload: Data, source: String) throws -> InTotoStatement {
        try AttestationPayload.read(payload, source: source).statement
    }

    /// Reads the header of a parsed statement: `_type`, `subject[]{name, digest}`, `predicateType`.
    static func parse(_ root: JSONField, source: String) throws -> InTotoStatement {
        let statement: InTotoStatement
        do throws(JSONError) {
            _ = try root.object()
            var subjects: [Subject] = []
            let list = try root.required("subject")
            for entry in try list.array() {
                var digests: [String: String] = [:]
                for member in try entry.required("digest").object() {
                    digests[member.key] = try JSONField(member.value, path: "\(entry.path).digest.\(member.key)").string()
                }
                subjects.append(Subject(name: try entry.optional("name")?.string(), digest: digests))
            }
            guard !subjects.isEmpty else { throw list.problem("a statement needs at least one subject") }
            statement = InTotoStatement(
                type: try root.required("_type").string(), subject: subjects, predicateType: try root.required("predicateType").string())
            _ = try root.required("predicate").object()
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

    /// Whether a subject's sha256 digest is `digest`.
    public func names(_ digest: Digest) -> Bool {
        sha256Subjects.contains(digest.description)
    }

    /// Throws unless a subject's sha256 digest is `digest`.
    public func requireSubject(_ digest: Digest, source: String) throws {
        guard names(digest) else {
            throw AdmissionError.subjectMismatch(source: source, expected: digest.description, found: sha256Subjects)
        }
    }
}

/// A statement read once from the exact payload bytes a signature covers: the header now, the vuln
/// predicate (and its report) on demand from the same parsed tree, never from a second reading.
public struct AttestationPayload {
    /// The header.
    public let statement: InTotoStatement
    let root: JSONField
    let source: String

    /// Parses `payload` strictly (no duplicate keys, bounded size and depth) and reads the header.
    public static func read(_ payload: Data, source: String) throws -> AttestationPayload {
        let root: JSONField
        do throws(JSONError) {
            root = try JSONParser.field(payload, limits: AttestationLimits.payloadJSON)
        } catch {
            throw AdmissionError.notAStatement(source: source, detail: "\(error)")
        }
        return AttestationPayload(statement: try InTotoStatement.parse(root, source: source), root: root, source: source)
    }

    /// Whether the statement claims to be a cosign vulnerability scan.
    public var isVulnScan: Bool { statement.predicateType == VulnPredicate.predicateType }

    /// The vuln predicate with its report; throws for another predicate type (CVE-2022-35929), bad
    /// metadata, or a report that cannot be judged.
    public func vulnPredicate() throws -> VulnPredicate {
        guard isVulnScan else { throw AdmissionError.wrongPredicateType(source: source, predicateType: statement.predicateType) }
        return try VulnPredicate.parse(root, source: source)
    }
}
