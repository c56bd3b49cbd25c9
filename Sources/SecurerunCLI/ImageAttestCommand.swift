import Admission
import ArgumentParser
import ContentDigest
import Foundation
import HostSystem
import Images

extension VulnScanner: ExpressibleByArgument {}

/// `securerun image attest`: sign a scanner report into a vulnerability attestation for an image.
struct ImageAttestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Wrap a Trivy or Grype JSON report into a signed cosign vuln attestation for the image's digest and store it.",
        discussion: """
            The report must be of this image: when it names its artifact (Trivy ArtifactName, Metadata.ImageID, RepoDigests; \
            Grype source.target) and that is another image, or when it names nothing, it is refused unless --force. The scan \
            time is the report's own (Trivy CreatedAt, Grype descriptor.timestamp); give --scanned-at only for a report that \
            records none. Attesting the same report with the same key again stores nothing new.
            """)

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var image: String

    @Option(help: ArgumentHelp("The scanner's JSON report (trivy image -f json, grype -o json).", valueName: "FILE"))
    var report: String

    @Option(help: "trivy or grype (default: detected from the report).")
    var scanner: VulnScanner?

    @Option(help: ArgumentHelp("The private key (PKCS#8 PEM from 'securerun key generate').", valueName: "KEY"))
    var key: String

    @Option(help: ArgumentHelp("When the scan finished (RFC 3339), for a report that records no time.", valueName: "TIME"))
    var scannedAt: String?

    @Flag(help: "Attest even when the report names another image, or none.")
    var force = false

    @Option(help: ArgumentHelp("Also write the envelope to FILE.", valueName: "FILE"))
    var output: String?

    func validate() throws {
        if let scannedAt, Timestamp.parse(scannedAt) == nil {
            throw ValidationError("--scanned-at '\(scannedAt)' is not an RFC 3339 time such as 2026-05-01T12:00:00Z")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let root = try securedStateRoot()
            let stored = try ImageStore(root: root).resolve(image)
            let digest = try Digest(parsing: stored.manifestDigest)
            let signingKey = try KeyFiles.readSigningKey(key)
            let reportData = try readBounded(report, limit: AttestationLimits.maxEnvelopeBytes / 4 * 3, what: "report")
            let parsed = try ScanReport.parse(reportData, as: scanner, source: report)
            let time = try VulnAttestation.scanTime(report: parsed, given: scannedAt.flatMap(Timestamp.parse), source: report)
            if !force {
                try ReportBinding.check(
                    parsed, image: AttestedImage(manifestDigest: stored.manifestDigest, configDigest: stored.configDigest, names: stored.names),
                    source: report)
            }
            let payload = try VulnAttestation.statement(
                report: reportData, parsed: parsed, subjectName: subjectName(stored.names.first ?? image), digest: digest, scannedAt: time)
            let store = AttestationStore(root: root)
            let file: URL
            let envelope: Data
            if let existing = store.find(payload: payload, signedBy: signingKey.publicKey, for: digest) {
                file = existing.file
                envelope = try store.read(existing)
                print("already attested: the same \(parsed.scanner.rawValue) report signed by this key is stored; nothing new stored")
            } else {
                envelope = try DSSEEnvelope.sign(payload: payload, payloadType: DSSEEnvelope.inTotoPayloadType, key: signingKey).encoded()
                file = try store.add(envelope: envelope, for: digest)
                print("attested \(image) (\(digest)) with a \(parsed.scanner.rawValue) report (\(parsed.summary)), scan finished \(Timestamp.format(time))")
            }
            if let output {
                do {
                    try envelope.write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw AdmissionError.io(path: output, operation: "write", detail: "\(error.localizedDescription.lowercased())")
                }
            }
            print("stored \(file.path)")
            let trusted = AdmissionGate(stateRoot: root).trustedKeys(for: AdmissionPolicy(trustedKeys: [])).keys
            if !trusted.contains(where: { $0.key == signingKey.publicKey }) {
                printError("note: this key is not in \(root.path)/trusted-keys; trust its public key with 'securerun key trust' or list it in the profile")
            }
        }
    }

    /// The repository part of a reference (cosign's subject name): `registry/repo:tag` → `registry/repo`.
    private func subjectName(_ reference: String) -> String {
        var name = reference
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = String(name[..<colon]) }
        return name
    }
}

/// Reads a whole file of at most `limit` bytes, or says why not in one line.
func readBounded(_ path: String, limit: Int, what: String) throws -> Data {
    // A regular file only, read to its end without blocking (a FIFO named as a report cannot hang attest).
    do {
        return Data(try FileContents.readRegular(path, limit: limit, followLinks: true))
    } catch .tooLarge(let bytes) {
        throw AdmissionError.attestationTooLarge(source: path, bytes: bytes, limit: limit)
    } catch .notRegular {
        throw AdmissionError.io(path: path, operation: "read \(what)", detail: "not a regular file")
    } catch .system(let error) {
        throw AdmissionError.io(path: path, operation: "read \(what)", detail: error.reason.lowercased())
    }
}
