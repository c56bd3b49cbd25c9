import Admission
import ArgumentParser
import ContentDigest
import Foundation
import Images
import Policy

/// `securerun image attestation …`: the attestations stored with an image.
struct ImageAttestationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attestation",
        abstract: "List, add and remove the vulnerability attestations stored with an image.",
        subcommands: [ImageAttestationListCommand.self, ImageAttestationAddCommand.self, ImageAttestationRemoveCommand.self])
}

/// `securerun image attestation add`: store a DSSE envelope with an image.
struct ImageAttestationAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Store a DSSE attestation envelope (e.g. from cosign attest --type vuln) with an image.",
        discussion: """
            The envelope must be a signed cosign vulnerability scan of this image's digest that the gate can read; \
            otherwise nothing is stored. An envelope not (yet) signed by a trusted key is stored with a warning.
            """)

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var image: String

    @Argument(help: "The DSSE envelope or Sigstore bundle JSON (an in-toto statement with the cosign vuln predicate).")
    var file: String

    @Option(help: "Profile whose trusted keys and threshold the warnings use (default: $SECURERUN_PROFILE, else default).")
    var profile: String?

    func run() async throws {
        try await reportingErrors {
            let root = try securedStateRoot()
            let stored = try ImageStore(root: root).resolve(image)
            let digest = try Digest(parsing: stored.manifestDigest)
            let data = try readBounded(file, limit: AttestationLimits.maxEnvelopeBytes, what: "attestation")
            let policy = try ProfileLoader.load(ProfileLoader.requested(profile)).admission
            let keys = AdmissionGate(stateRoot: root).trustedKeys(for: policy).keys
            let findings = try AttestationIntake.inspect(envelope: data, source: file, digest: digest, keys: keys, threshold: policy.threshold)
            if let problem = findings.problem { throw problem.error }
            let destination = try AttestationStore(root: root).add(envelope: data, for: digest)
            print("stored \(destination.path) for \(image) (\(digest))")
            if !findings.signers.isEmpty { print("signed by \(findings.signers.joined(separator: ", "))") }
            if let untrusted = findings.untrusted {
                printError("warning: \(untrusted); it does not count until a trusted key signs it")
            }
            for warning in findings.warnings { printError("warning: \(warning)") }
        }
    }
}

/// `securerun image attestation ls`: each stored attestation with its signer, scanner, scan time and
/// the verdict it would give alone.
struct ImageAttestationListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List an image's attestations: signer, scanner, scan time, and the verdict of each alone.")

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var image: String

    @Option(help: "Profile to judge them under (default: $SECURERUN_PROFILE, else default).")
    var profile: String?

    @Flag(help: "Print JSON.")
    var json = false

    /// One row of the listing.
    struct Row: Encodable {
        var attestation: String
        var file: String
        var storedAt: String
        /// `counts` (a judgeable signed scan), `ignored` (never counts) or `refuses` (refuses the image).
        var standing: String
        var signedBy: [String]
        var scanner: String?
        var scanFinishedOn: String?
        var admittedAlone: Bool
        var reasons: [String]
    }

    func run() async throws {
        try await reportingErrors {
            let root = stateRoot()
            let stored = try ImageStore(root: root).resolve(image)
            let digest = try Digest(parsing: stored.manifestDigest)
            let loaded = try ProfileLoader.load(ProfileLoader.requested(profile))
            let gate = AdmissionGate(stateRoot: root)
            let rows = gate.standings(imageDigest: digest, policy: loaded.admission).map { entry, standing -> Row in
                let verdict = gate.verdict(alone: entry, imageDigest: digest, policy: loaded.admission)
                var name = "counts"
                if case .ignored = standing { name = "ignored" }
                if case .refuses = standing { name = "refuses" }
                return Row(
                    attestation: entry.envelopeHex, file: entry.file.path, storedAt: Timestamp.format(entry.storedAt), standing: name,
                    signedBy: verdict.signedBy.map { URL(fileURLWithPath: $0).lastPathComponent }, scanner: verdict.scanner,
                    scanFinishedOn: verdict.scanFinishedOn, admittedAlone: verdict.admitted, reasons: verdict.reasons)
            }
            if json {
                print(try jsonString(rows))
                return
            }
            guard !rows.isEmpty else {
                print("no attestations for \(image) (\(digest))")
                return
            }
            let header = ["ATTESTATION", "SIGNED BY", "SCANNER", "SCAN FINISHED", "STORED", "VERDICT ALONE (profile \(loaded.name))"]
            let table = rows.map { row -> [String] in
                let verdict: String
                switch row.standing {
                case "counts": verdict = row.admittedAlone ? "admitted" : "refused: " + row.reasons.joined(separator: "; ")
                case "refuses": verdict = "refuses the image: " + (row.reasons.first ?? "")
                default: verdict = row.reasons.first ?? "not counted"
                }
                return [
                    String(row.attestation.prefix(12)), row.signedBy.isEmpty ? "-" : row.signedBy.joined(separator: ","), row.scanner ?? "-",
                    row.scanFinishedOn ?? "-", row.storedAt, verdict,
                ]
            }
            printTable([header] + table)
        }
    }
}

/// `securerun image attestation rm`: remove stored attestations (a bad scan, a revoked signer's).
struct ImageAttestationRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove attestations stored with an image (by the name or hex prefix 'attestation ls' shows).")

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var image: String

    @Argument(help: "Attestations to remove: their file name or at least 6 hex digits of it.")
    var attestations: [String] = []

    @Flag(help: "Remove every attestation of the image.")
    var all = false

    func validate() throws {
        guard all != !attestations.isEmpty else { throw ValidationError("name the attestations to remove, or give --all") }
    }

    func run() async throws {
        try await reportingErrors {
            let root = stateRoot()
            let stored = try ImageStore(root: root).resolve(image)
            let digest = try Digest(parsing: stored.manifestDigest)
            let store = AttestationStore(root: root)
            // Every name is resolved before anything is removed, so a typo removes nothing.
            let entries = all ? store.entries(for: digest) : try attestations.map { try store.entry($0, for: digest) }
            for entry in entries {
                try store.remove(entry, for: digest)
                print("removed \(entry.file.path)")
            }
            if entries.isEmpty { print("no attestations for \(image) (\(digest))") }
        }
    }
}
