import ContentDigest
import Foundation

/// How one stored envelope stands for one image, before any policy threshold on age or severity.
public enum AttestationStanding: Sendable, Equatable {
    /// Never counts, for or against: not an envelope, unsigned, signed only by untrusted keys, below the
    /// signer threshold, or (though trusted) about another image or not a vulnerability scan.
    case ignored(reason: String)
    /// Signed by trusted keys, a vulnerability scan of this image, and it cannot be judged (an unreadable
    /// statement or report, a missing or impossible scan time): it refuses the image until removed.
    case refuses(reason: String)
    /// A judgeable scan, with the facts needed to pick the newest.
    case candidate(Candidate)

    /// A signed, judgeable scan of this image.
    public struct Candidate: Sendable, Equatable {
        /// The trusted keys that signed it.
        public var signers: [String]
        /// The scanner named by `scanner.uri`.
        public var scanner: VulnScanner
        /// `metadata.scanStartedOn`.
        public var scanStartedOn: Date
        /// `metadata.scanFinishedOn`.
        public var scanFinishedOn: Date
        /// When securerun stored the envelope.
        public var storedAt: Date

        /// Whether the scan claims to have finished after it was stored (beyond the clock-skew allowance).
        public var isFutureDated: Bool { scanFinishedOn > storedAt.addingTimeInterval(AttestationLimits.clockSkew) }

        /// The moment the scan counts as finished when choosing the newest: `scanFinishedOn`, but never
        /// later than the moment it was stored. A future-dated scan so counts from when it arrived, and any
        /// scan finishing after that supersedes it; it can never leap ahead of later scans as the clock
        /// catches up.
        public var effectiveDate: Date { isFutureDated ? storedAt : scanFinishedOn }
    }
}

/// One stored envelope with its standing and, when it was read now, the fully checked attestation.
struct Assessment {
    var entry: StoredAttestation
    var standing: AttestationStanding
    /// Present when the envelope was read and verified in this run (always so for the decisive ones).
    var checked: CheckedAttestation?
}

/// Reads stored envelopes for the gate: once per (envelope, trusted key), thanks to `AttestationCache`.
struct AttestationAssessor {
    let store: AttestationStore
    let cache: AttestationCache
    let digest: Digest
    let keys: [TrustedKey]
    let threshold: Int

    /// The standing of `entry`, from the cache when it knows everything needed, else by reading the file.
    func assess(_ entry: StoredAttestation, useCache: Bool = true) -> Assessment {
        guard entry.isRegularFile else {
            return Assessment(entry: entry, standing: .ignored(reason: "\(entry.source): not a regular file; never read"), checked: nil)
        }
        if entry.size > AttestationLimits.maxStoredEnvelopeBytes {
            let error = AdmissionError.attestationTooLarge(
                source: entry.file.lastPathComponent, bytes: entry.size, limit: AttestationLimits.maxStoredEnvelopeBytes)
            return Assessment(entry: entry, standing: .refuses(reason: "\(error)"), checked: nil)
        }
        let cached = useCache ? cache.load(entry, digest: digest) : nil
        if let cached, let standing = standing(from: cached, entry: entry) {
            return Assessment(entry: entry, standing: standing, checked: nil)
        }
        return read(entry, previous: cached)
    }

    /// The standing a record gives, or nil when it lacks a trusted key's check or the payload facts.
    private func standing(from record: AttestationCache.Record, entry: StoredAttestation) -> AttestationStanding? {
        if let error = record.envelopeError { return .ignored(reason: error) }
        guard !keys.isEmpty else { return .ignored(reason: "\(AdmissionError.noTrustedKeys)") }
        guard keys.allSatisfy({ record.keys[$0.key.keyID] != nil }) else { return nil }
        let signers = keys.filter { record.keys[$0.key.keyID] == .valid }
        guard signers.count >= threshold else {
            let error = DSSEEnvelope.failure(checks: record.keys, keys: keys, keyIDs: record.keyIDs, threshold: threshold, source: entry.source)
            return .ignored(reason: "\(error)")
        }
        guard let facts = record.payload else { return nil }
        switch facts.standing {
        case .ignored: return .ignored(reason: facts.reason ?? "\(entry.source): not counted")
        case .refuses: return .refuses(reason: facts.reason ?? "\(entry.source): cannot be judged")
        case .candidate:
            guard let scanner = facts.scanner, let started = facts.scanStartedOn, let finished = facts.scanFinishedOn else { return nil }
            return .candidate(
                .init(
                    signers: signers.map(\.name), scanner: scanner, scanStartedOn: Date(timeIntervalSince1970: started),
                    scanFinishedOn: Date(timeIntervalSince1970: finished), storedAt: entry.storedAt))
        }
    }

    /// Reads, verifies and parses `entry`, and records what it learnt.
    private func read(_ entry: StoredAttestation, previous: AttestationCache.Record?) -> Assessment {
        var record = AttestationCache.Record(version: AttestationCache.version, size: entry.size, modified: entry.storedAt.timeIntervalSince1970)
        func finish(_ standing: AttestationStanding, checked: CheckedAttestation? = nil, save: Bool = true) -> Assessment {
            if save { cache.save(record, for: entry, digest: digest) }
            return Assessment(entry: entry, standing: standing, checked: checked)
        }
        let source = entry.source
        let data: Data
        do {
            data = try store.read(entry)
        } catch {
            // It might be the newest signed scan: what cannot be read refuses (and nothing is recorded).
            return finish(.refuses(reason: "\(error); remove it with 'securerun image attestation rm'"), save: false)
        }
        let envelope: DSSEEnvelope
        let payload: Data
        do {
            envelope = try DSSEEnvelope.parse(data, source: source)
            guard envelope.payloadType == DSSEEnvelope.inTotoPayloadType else {
                throw AdmissionError.unsupportedPayloadType(source: source, payloadType: envelope.payloadType)
            }
            guard !envelope.signatures.isEmpty else { throw AdmissionError.noSignatures(source: source) }
            payload = try envelope.payloadBytes(source: source)
            if let bad = envelope.signatures.firstIndex(where: { Base64Text.decode($0.sig) == nil }) {
                throw AdmissionError.invalidBase64(source: source, field: "signatures[\(bad)].sig")
            }
        } catch {
            record.envelopeError = "\(error)"
            return finish(.ignored(reason: "\(error)"))
        }
        guard !keys.isEmpty else { return finish(.ignored(reason: "\(AdmissionError.noTrustedKeys)"), save: false) }
        record.keyIDs = envelope.signatures.map { $0.keyid ?? "" }
        // Keys already checked against these same bytes need no second verification.
        let known = previous?.keys.filter { id, _ in keys.contains { $0.key.keyID == id } } ?? [:]
        let unknown = keys.filter { known[$0.key.keyID] == nil }
        record.keys = known.merging(envelope.check(keys: unknown, payload: payload)) { $1 }
        let signers = keys.filter { record.keys[$0.key.keyID] == .valid }
        guard signers.count >= threshold else {
            let error = DSSEEnvelope.failure(checks: record.keys, keys: keys, keyIDs: record.keyIDs, threshold: threshold, source: source)
            return finish(.ignored(reason: "\(error)"))
        }
        // Only now, from the verified bytes, is the payload parsed (once).
        do {
            let statement = try AttestationPayload.read(payload, source: source)
            guard statement.isVulnScan else {
                let reason = "\(AdmissionError.wrongPredicateType(source: source, predicateType: statement.statement.predicateType))"
                record.payload = .init(standing: .ignored, reason: reason)
                return finish(.ignored(reason: reason))
            }
            guard statement.statement.names(digest) else {
                let error = AdmissionError.subjectMismatch(source: source, expected: digest.description, found: statement.statement.sha256Subjects)
                record.payload = .init(standing: .ignored, reason: "\(error)")
                return finish(.ignored(reason: "\(error)"))
            }
            let predicate = try statement.vulnPredicate()
            record.payload = .init(
                standing: .candidate, scanner: predicate.report.scanner, scanStartedOn: predicate.scanStartedOn.timeIntervalSince1970,
                scanFinishedOn: predicate.scanFinishedOn.timeIntervalSince1970)
            let checked = CheckedAttestation(
                file: entry.file, signers: signers.map(\.name), statement: statement.statement, predicate: predicate, report: predicate.report)
            let candidate = AttestationStanding.Candidate(
                signers: checked.signers, scanner: predicate.report.scanner, scanStartedOn: predicate.scanStartedOn,
                scanFinishedOn: predicate.scanFinishedOn, storedAt: entry.storedAt)
            return finish(.candidate(candidate), checked: checked)
        } catch {
            let reason = "\(error); it is signed by \(signers.map(\.name).joined(separator: ", ")), so it refuses the image until it is removed"
            record.payload = .init(standing: .refuses, reason: reason)
            return finish(.refuses(reason: reason))
        }
    }
}
