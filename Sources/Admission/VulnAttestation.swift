import ContentDigest
import Foundation

/// Builds signed cosign vuln attestations from scanner reports, the shape `cosign attest --type vuln` makes.
public enum VulnAttestation {
    /// The moment the scan finished: the report's own time (Trivy `CreatedAt`, Grype `descriptor.timestamp`)
    /// or `given` (`--scanned-at`) when the report records none. Refused: neither, both disagreeing, a time
    /// in the future beyond the clock-skew allowance, or one before any real scan.
    public static func scanTime(report: ScanReport, given: Date?, now: Date = Date(), source: String) throws -> Date {
        let time: Date
        switch (report.createdAt, given) {
        case (nil, nil): throw AdmissionError.noScanTime(source: source)
        case (let recorded?, let given?) where abs(recorded.timeIntervalSince(given)) >= 1:
            throw AdmissionError.scanTimeConflict(source: source, report: Timestamp.format(recorded), given: Timestamp.format(given))
        case (let recorded?, _): time = recorded
        case (nil, let given?): time = given
        }
        if time.timeIntervalSince(now) > AttestationLimits.clockSkew {
            throw AdmissionError.implausibleScanTime(
                source: source, time: Timestamp.format(time), reason: "is in the future (now is \(Timestamp.format(now))); check the scanner's clock")
        }
        if time < AttestationLimits.earliestScanTime {
            throw AdmissionError.implausibleScanTime(source: source, time: Timestamp.format(time), reason: "is before any real scan (2000)")
        }
        return time
    }

    /// Builds the in-toto Statement v1 payload for `digest` with the report embedded byte for byte as
    /// `predicate.scanner.result`, and both scan times set to `scannedAt` (see `scanTime`).
    public static func statement(
        report reportData: Data, parsed report: ScanReport, subjectName: String, digest: Digest, scannedAt: Date
    ) throws -> Data {
        let scanned = Timestamp.format(scannedAt)
        let header = Header(
            type: InTotoStatement.typeV1, subject: [.init(name: subjectName, digest: ["sha256": digest.hex])],
            predicateType: VulnPredicate.predicateType)
        let scannerInfo = ScannerInfo(
            uri: report.scanner.uri(version: report.scannerVersion), version: report.scannerVersion ?? "",
            db: .init(uri: "", version: ""))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Objects are spliced so the report keeps its exact bytes (key order, numbers) inside the statement.
        var headerJSON = try encoder.encode(header)
        headerJSON.removeLast()  // the closing brace
        var scannerJSON = try encoder.encode(scannerInfo)
        scannerJSON.removeLast()
        var payload = headerJSON
        payload.append(Data(#","predicate":{"invocation":{"builder.id":"","event_id":"","parameters":null,"uri":""},"scanner":"#.utf8))
        payload.append(scannerJSON)
        payload.append(Data(#","result":"#.utf8))
        payload.append(trimmed(reportData))
        payload.append(Data(#"},"metadata":{"scanStartedOn":"\#(scanned)","scanFinishedOn":"\#(scanned)"}}}"#.utf8))
        return payload
    }

    /// Parses `report`, takes its scan time (or `scannedAt`), and builds the statement.
    public static func statement(
        report reportData: Data, scanner: VulnScanner?, subjectName: String, digest: Digest, scannedAt: Date? = nil,
        now: Date = Date(), source: String
    ) throws -> Data {
        let report = try ScanReport.parse(reportData, as: scanner, source: source)
        let time = try scanTime(report: report, given: scannedAt, now: now, source: source)
        return try statement(report: reportData, parsed: report, subjectName: subjectName, digest: digest, scannedAt: time)
    }

    /// Builds and signs the attestation envelope (JSON bytes) for `digest`.
    public static func envelope(
        report: Data, scanner: VulnScanner?, subjectName: String, digest: Digest, key: SigningKey, scannedAt: Date? = nil,
        now: Date = Date(), source: String
    ) throws -> Data {
        let payload = try statement(
            report: report, scanner: scanner, subjectName: subjectName, digest: digest, scannedAt: scannedAt, now: now, source: source)
        return try DSSEEnvelope.sign(payload: payload, payloadType: DSSEEnvelope.inTotoPayloadType, key: key).encoded()
    }

    private struct Header: Encodable {
        var type: String
        var subject: [InTotoStatement.Subject]
        var predicateType: String

        enum CodingKeys: String, CodingKey {
            case type = "_type"
            case subject
            case predicateType
        }
    }

    private struct ScannerInfo: Encodable {
        struct Database: Encodable {
            var uri: String
            var version: String
        }
        var uri: String
        var version: String
        var db: Database
    }

    /// The report without a byte-order mark or surrounding whitespace, so it splices into JSON.
    private static func trimmed(_ data: Data) -> Data {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        let space: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        while let first = bytes.first, space.contains(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, space.contains(last) { bytes = bytes.dropLast() }
        return Data(bytes)
    }
}
