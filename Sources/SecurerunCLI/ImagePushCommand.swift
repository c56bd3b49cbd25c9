import Admission
import ArgumentParser
import Foundation
import Images
import Policy

/// `securerun image push`: send a stored image and its attestations to a registry.
struct ImagePushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Push a stored image and its attestations to a registry (HTTPS; --insecure only for loopback).",
        discussion: """
            Blobs the registry already has are not uploaded again; the manifest is pushed byte for byte, so its digest \
            stays the same. The image's stored attestations follow the cosign ways: the DSSE envelopes as layers of \
            the image tagged sha256-<hex>.att, and each envelope as an OCI 1.1 referrer (listed in the fallback index \
            tagged sha256-<hex> when the registry has no referrers API). The profile's allowedRegistries applies \
            before any request.
            """ + "\n" + RegistryLoginOptions.discussion)

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var image: String

    @Argument(help: "Where to push: REGISTRY/NAME[:TAG] (no digest).")
    var target: String

    @OptionGroup var login: RegistryLoginOptions

    @Option(help: "Hardening profile whose allowedRegistries the push must respect (default: $SECURERUN_PROFILE, else default).")
    var profile: String?

    @Flag(help: "Print what was pushed as JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let destination = try ImageReference(parsing: target)
            // The registry rule is checked before any request leaves the machine.
            let loaded = try ProfileLoader.load(ProfileLoader.requested(profile))
            try loaded.checkRegistry(destination.registry, image: target, action: "push")
            let store = try openImageStore(progress: terminalProgress(json: json))
            let stored = try store.resolve(image)
            let exported = AttestationStore(root: store.root).exports(for: try ImageDigest(stored.manifestDigest))
            for warning in exported.warnings { printError("warning: \(warning)") }
            let credentials = try login.credentials(for: destination.registry)
            let pushed = try await store.push(
                image, to: target, insecure: login.insecure, credentials: credentials,
                allowedRegistries: loaded.allowedRegistries.isEmpty ? nil : loaded.allowedRegistries,
                attestations: exported.attestations.map { OutgoingAttestation(data: $0.data, mediaType: $0.mediaType, predicateType: $0.predicateType) })
            if json {
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
