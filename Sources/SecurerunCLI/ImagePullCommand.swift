import ArgumentParser
import Foundation

/// `image pull`'s arguments, shared by the command securerun shows and the one securerun-net runs.
package struct ImagePullOptions: ParsableArguments {
    @Argument(help: "[REGISTRY/]REPOSITORY[:TAG|@sha256:DIGEST]")
    package var reference: String

    @OptionGroup package var login: RegistryLoginOptions

    @Option(help: "Platform to pick from a multi-platform index, os/arch (default linux/amd64).")
    package var platform: String?

    @Flag(help: "Print the stored image as JSON.")
    package var json = false

    @Option(help: "Hardening profile whose allowedRegistries and store: limits the pull must respect (default: $SECURERUN_PROFILE, else default).")
    package var profile: String?

    package init() {}

    package static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Pull an image from a registry (HTTPS; --insecure only for loopback).",
        discussion: RegistryLoginOptions.discussion)
}

/// `securerun image pull`: fetch an image from an OCI distribution registry. The registry client lives in
/// securerun-net, so the run path never loads the network stack: the command line goes there as typed.
struct ImagePullCommand: ParsableCommand {
    static let configuration = ImagePullOptions.configuration

    @OptionGroup var options: ImagePullOptions

    func run() throws { try NetExecutable.forward() }
}
