import Foundation
import StrictJSON

/// cosign's vulnerability scan predicate (`specs/COSIGN_VULN_ATTESTATION_SPEC.md`):
/// `scanner{uri, version, db, result}` and `metadata{scanStartedOn, scanFinishedOn}`.
public struct VulnPredicate: Sendable, Equatable {
    /// The only predicate type admission accepts (anything else is refused: CVE-2022-35929).
    public static let predicateType = "https://cosign.sigstore.dev/attestation/vuln/v1"

    /// `scanner.uri`, which names the scanner and so how `result` is read.
    public var scannerURI: String
    /// `scanner.version`.
    public var scannerVersion: String?
    /// `metadata.scanStartedOn`.
    public var scanStartedOn: Date
    /// `metadata.scanFinishedOn`; scan age is measured from here.
    public var scanFinishedOn: Date
    /// `scanner.result`, read as the report of the scanner `scanner.uri` names.
    public var report: ScanReport

    /// Reads the predicate of a parsed vuln statement. Both scan times are required, plausible and in
    /// order; the report's format comes from `scanner.uri`, and a report of the other shape (or of both)
    /// is refused.
    static func parse(_ root: JSONField, source: String) throws -> VulnPredicate {
        let predicate: JSONField
        let scannerURI: String
        let scanner: VulnScanner
        let version: String?
        let started: Date
        let finished: Date
        let result: JSONField
        do throws(JSONError) {
            predicate = try root.required("predicate")
            let section = try predicate.required("scanner")
            let uriField = try section.required("uri")
            scannerURI = try uriField.string()
            guard let named = VulnScanner.named(byURI: scannerURI) else {
                throw uriField.problem("'\(scannerURI)' must name one scanner: trivy (aquasecurity/trivy) or grype (anchore/grype)")
            }
            scanner = named
            version = try section.optional("version")?.string()
            let metadata = try predicate.required("metadata")
            started = try time(metadata, "scanStartedOn")
            finished = try time(metadata, "scanFinishedOn")
            guard started <= finished else {
                throw metadata.problem(
                    "scanStartedOn \(Timestamp.format(started)) is later than scanFinishedOn \(Timestamp.format(finished))")
            }
            result = try section.required("result")
        } catch {
            throw AdmissionError.invalidPredicate(source: source, detail: "\(error)")
        }
        let report: ScanReport
        do throws(JSONError) {
            report = try ScanReport.parse(result, as: scanner)
        } catch {
            throw AdmissionError.unparseableReport(source: source, detail: "\(error)")
        }
        return VulnPredicate(
            scannerURI: scannerURI, scannerVersion: version, scanStartedOn: started, scanFinishedOn: finished, report: report)
    }

    private static func time(_ metadata: JSONField, _ key: String) throws(JSONError) -> Date {
        let field = try metadata.required(key)
        let text = try field.string()
        guard let date = Timestamp.parse(text) else { throw field.problem("'\(text)' is not an rfc 3339 timestamp") }
        guard date >= AttestationLimits.earliestScanTime else {
            throw field.problem("\(text) is not a real scan time (before 2000; cosign writes 0001-01-01 when the time is unset)")
        }
        return date
    }
}
