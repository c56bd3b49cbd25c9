import Admission
import ArgumentParser
import ContentDigest
import Foundation
import Images
import Policy
import Registry
import SecurerunCLI

/// `image push` as securerun-net runs it: the registry rule, the blobs, the manifest and the attestations.
struct NetImagePush: AsyncParsableCommand {
    static let configuration = ImagePushOptions.configuration

    @OptionGroup var options: ImagePushOptions

    func run() async throws {
        try await reportingErrors {
            let destination = try ImageReference(parsing: options.target)
            // The registry rule is checked before any request leaves the machine.
            let loaded = try ProfileLoader.load(ProfileLoader.requested(options.profile))
            try loaded.checkRegistry(destination.registry, image: options.target, action: "push")
            let store = try openImageStore(progress: terminalProgress(json: options.json))
            let stored = try store.resolve(options.image)
            let exported = AttestationStore(root: store.root).exports(for: try Digest(parsing: stored.manifestDigest))
            for warning in exported.warnings { printError("warning: \(warning)") }
            let credentials = try options.login.credentials(for: destination.registry)
            let pushed = try await store.push(
                options.image, to: options.target, insecure: options.login.insecure, credentials: credentials,
                allowedRegistries: loaded.allowedRegistries.isEmpty ? nil : loaded.allowedRegistries,
                attestations: exported.attestations.map { OutgoingAttestation(data: $0.data, mediaType: $0.mediaType, predicateType: $0.predicateType) })
            if options.json {
                print(try jsonString(pushed))
                return
            }
            print(
                "pushed \(pushed.reference) \(pushed.manifestDigest) (\(pushed.uploaded.count) blob\(pushed.uploaded.count == 1 ? "" : "s") uploaded, "
                    + "\(pushed.existing.count) already there)")
            let attestations = pushed.attestations
            guard attestations.count > 0 else {
                print("pushed no attestations (the image has none stored)")
                return
            }
            var places = attestations.attTag.map { [$0] } ?? []
            places += attestations.referrers.isEmpty ? [] : ["\(attestations.referrers.count) referrer\(attestations.referrers.count == 1 ? "" : "s")"]
            if let tag = attestations.referrersTag { places.append("fallback index \(tag)") }
            print("pushed \(attestations.count) attestation\(attestations.count == 1 ? "" : "s"): \(places.joined(separator: ", "))")
        }
    }
}
