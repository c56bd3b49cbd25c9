import ArgumentParser
import Foundation

/// `image push`'s arguments, shared by the command securerun shows and the one securerun-net runs.
package struct ImagePushOptions: ParsableArguments {
    package static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Push a stored image and its attestations to a registry (HTTPS; --insecure only for loopback).",
        discussion: """
            Blobs the registry already has are not uploaded again; the manifest is pushed byte for byte, so its digest \
            stays the same. The image's stored attestations follow the cosign ways: the DSSE envelopes as layers of \
            the image tagged sha256-<hex>.att, and each envelope as an OCI 1.1 referrer (listed in the fallback index \
            tagged sha256-<hex> when the registry has no referrers API). The profile's allowedRegistries applies \
            before any request.
            """ + "\n" + RegistryLoginOptions.discussion)

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    package var image: String

    @Argument(help: "Where to push: REGISTRY/NAME[:TAG] (no digest).")
    package var target: String

    @OptionGroup package var login: RegistryLoginOptions

    @Option(help: "Hardening profile whose allowedRegistries the push must respect (default: $SECURERUN_PROFILE, else default).")
    package var profile: String?

    @Flag(help: "Print what was pushed as JSON.")
    package var json = false

    package init() {}
}

/// `securerun image push`: send a stored image and its attestations to a registry, through securerun-net
/// (the run path never loads the network stack).
struct ImagePushCommand: ParsableCommand {
    static let configuration = ImagePushOptions.configuration

    @OptionGroup var options: ImagePushOptions

    func run() throws { try NetExecutable.forward() }
}
