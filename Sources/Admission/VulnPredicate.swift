import Foundation

/// cosign's vulnerability scan predicate (`specs/COSIGN_VULN_ATTESTATION_SPEC.md`):
/// `scanner{uri, version, db, result}` and `metadata{scanStartedOn, scanFinishedOn}`.
public struct VulnPredicate: Sendable, Equatable {
    /// The only predicate type admission accepts (anything else is refused: CVE-2022-35929).
    public static let predicateType = "https://cosign.sigstore.dev/attestation/vuln/v1"

    /// `scanner.uri`.
    public var scannerURI: String?
    /// `scanner.version`.
    public var scannerVersion: String?
    /// `metadata.scanStartedOn`.
    public var scanStartedOn: Date
    /// `metadata.scanFinishedOn`; scan age is measured from here.
    public var scanFinishedOn: Date
    /// `scanner.result`, parsed as a Trivy or Grype report, or why it could not be.
    public var report: Result<ScanReport, AdmissionError>

    /// Parses the statement's predicate from the verified payload bytes. Throws for a wrong predicate type
    /// or bad metadata; a report that does not parse is kept as a failure in `report`, so the verdict
    /// can say "unparseable report" for exactly that attestation.
    public static func parse(_ payload: Data, statement: InTotoStatement, source: String) throws -> VulnPredicate {
        guard statement.predicateType == predicateType else {
            throw AdmissionError.wrongPredicateType(source: source, predicateType: statement.predicateType)
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: payload)
        } catch let error as DecodingError {
            throw AdmissionError.invalidPredicate(source: source, detail: DecodingErrorText.describe(error))
        } catch {
            throw AdmissionError.invalidPredicate(source: source, detail: "\(error)")
        }
        let metadata = document.predicate.metadata
        guard let started = Timestamp.parse(metadata.scanStartedOn) else {
            throw AdmissionError.invalidPredicate(
                source: source, detail: "metadata.scanStartedOn '\(metadata.scanStartedOn)' is not an rfc 3339 timestamp")
        }
        guard let finished = Timestamp.parse(metadata.scanFinishedOn) else {
            throw AdmissionError.invalidPredicate(
                source: source, detail: "metadata.scanFinishedOn '\(metadata.scanFinishedOn)' is not an rfc 3339 timestamp")
        }
        let scanner = document.predicate.scanner
        let report: Result<ScanReport, AdmissionError>
        switch scanner?.result {
        case .parsed(let parsed)?: report = .success(parsed)
        case .failed(let detail)?: report = .failure(.unparseableReport(source: source, detail: detail))
        case nil: report = .failure(.unparseableReport(source: source, detail: "predicate.scanner.result is missing or null"))
        }
        return VulnPredicate(
            scannerURI: scanner?.uri, scannerVersion: scanner?.version, scanStartedOn: started, scanFinishedOn: finished,
            report: report)
    }

    // MARK: - JSON shape

    private struct Document: Decodable {
        var predicate: Body
    }

    private struct Body: Decodable {
        var scanner: ScannerSection?
        var metadata: Metadata
    }

    private struct Metadata: Decodable {
        var scanStartedOn: String
        var scanFinishedOn: String
    }

    private struct ScannerSection: Decodable {
        var uri: String?
        var version: String?
        var result: ReportSlot?
    }

    /// Holds the parsed report or the reason it did not parse, without failing the whole predicate.
    private enum ReportSlot: Decodable {
        case parsed(ScanReport)
        case failed(String)

        init(from decoder: Decoder) throws {
            if (try? decoder.singleValueContainer().decodeNil()) == true {
                self = .failed("predicate.scanner.result is null")
                return
            }
            do {
                self = .parsed(try ScanReport(from: decoder))
            } catch let error as DecodingError {
                self = .failed(DecodingErrorText.describe(error))
            } catch {
                self = .failed("\(error)")
            }
        }
    }
}
