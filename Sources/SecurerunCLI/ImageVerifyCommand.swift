import Admission
import ArgumentParser
import ContentDigest
import Foundation
import Images
import Orchestration
import Policy

/// `securerun image verify`: the admission verdict `securerun run` would reach, without running anything.
struct ImageVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an image's signed vulnerability attestation against a profile; exit 0 if admitted, 1 if refused.")

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var image: String?

    @Option(help: "Check the attestations of this manifest digest (sha256:…) instead of a stored image.")
    var digest: String?

    @Option(help: "Profile name or file (default: $SECURERUN_PROFILE, else default).")
    var profile: String?

    @Flag(help: "Print the verdict as JSON.")
    var json = false

    func validate() throws {
        guard (image == nil) != (digest == nil) else { throw ValidationError("give either an IMAGE or --digest sha256:…") }
    }

    func run() async throws {
        try await reportingErrors {
            let root = try securedStateRoot()
            let loaded = try ProfileLoader.load(ProfileLoader.requested(profile), cache: ProfileDocumentCache(stateRoot: root))
            let store = ImageStore(root: root)
            let target: String
            let stored: StoredImage?
            if let digest {
                target = try Digest(parsing: digest).description
                stored = try? store.resolve(target, withNames: false)
            } else {
                stored = try store.resolve(image ?? "", withNames: false)
                target = stored?.manifestDigest ?? ""
            }
            let name = image.map { "\($0) (\(target))" } ?? target
            // The decision run makes, by the same function: the registry rule, then the attestations.
            let verdict: Verdict
            do {
                verdict = try ImageAdmission.decide(
                    digest: target, registry: stored?.registry, reference: image ?? target, profile: loaded, stateRoot: root)
            } catch let refusal as PolicyError {
                let refused = Verdict(admitted: false, imageDigest: target, reasons: [refusal.description])
                print(json ? try Self.text(refused) : "refused: \(name) under profile \(loaded.name)\n  - \(refusal.description)")
                throw ExitCode(1)
            }
            for warning in verdict.warnings { printError("warning: profile \(loaded.name): \(warning)") }
            if json {
                print(try Self.text(verdict))
            } else {
                print("\(verdict.admitted ? "admitted" : "refused"): \(name) under profile \(loaded.name)")
                for reason in verdict.reasons { print("  - \(reason)") }
                for note in verdict.notes { print("  note: \(note)") }
            }
            if !verdict.admitted { throw ExitCode(1) }
        }
    }

    /// The verdict as `--json` prints it.
    static func text(_ verdict: Verdict) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(verdict), as: UTF8.self)
    }
}
