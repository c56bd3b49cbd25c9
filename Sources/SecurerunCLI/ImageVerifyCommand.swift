import Admission
import ArgumentParser
import Foundation
import Images
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

    @Option(help: "Profile name or file (default: default).")
    var profile: String?

    @Flag(help: "Print the verdict as JSON.")
    var json = false

    func validate() throws {
        guard (image == nil) != (digest == nil) else { throw ValidationError("give either an IMAGE or --digest sha256:…") }
    }

    func run() async throws {
        try await reportingErrors {
            let root = try securedStateRoot()
            let loaded = try ProfileLoader.load(profile, cache: ProfileDocumentCache(stateRoot: root))
            let target: String
            if let digest {
                target = try ImageDigest(digest).description
            } else {
                target = try ImageStore(root: root).resolve(image ?? "").manifestDigest
            }
            let verdict = AdmissionGate(stateRoot: root).verdict(imageDigest: target, policy: loaded.admission)
            for warning in verdict.warnings { printError("warning: profile \(loaded.name): \(warning)") }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(verdict), as: UTF8.self))
            } else {
                let name = image.map { "\($0) (\(target))" } ?? target
                print("\(verdict.admitted ? "admitted" : "refused"): \(name) under profile \(loaded.name)")
                for reason in verdict.reasons { print("  - \(reason)") }
                for note in verdict.notes { print("  note: \(note)") }
            }
            if !verdict.admitted { throw ExitCode(1) }
        }
    }
}
