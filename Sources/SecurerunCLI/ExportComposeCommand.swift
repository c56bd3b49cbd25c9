import ArgumentParser
import Foundation
import Images
import Policy
import Renderers

/// `securerun export compose`: the compose service keys that meet a profile exactly, the image pinned by id.
struct ExportComposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose",
        abstract: "Print a docker-compose service that meets a profile (what the engine plugin requires a create to carry).",
        discussion: """
            The keys are the values securerun run would apply under the profile: user, read_only, cap_drop (and \
            cap_add from the allow-list), security_opt with no-new-privileges and the profile's seccomp file, \
            mem_limit, memswap_limit, cpus, pids_limit, tmpfs, network_mode, shm_size and ulimits. With IMAGE (a \
            stored image), image: is the engine's id for it (its config digest, which docker load of securerun \
            image save --format docker-archive keeps), so a re-pointed tag cannot change what runs.
            """)

    @Option(help: "The profile (name or file; default: default).")
    var profile: String?

    @Option(help: "The service's name.")
    var service: String = "app"

    @Argument(help: "A stored image (NAME[:TAG], NAME@sha256:…, or a digest) to pin by id.")
    var image: String?

    func run() async throws {
        try await reportingErrors {
            let loaded = try ProfileLoader.load(ProfileLoader.requested(profile))
            var pinned: ComposeRenderer.PinnedImage?
            var defaults = ImageDefaults(cmd: ["/bin/sh"])
            if let image {
                let stored = try ImageStore(root: try securedStateRoot()).resolve(image)
                pinned = ComposeRenderer.PinnedImage(
                    reference: stored.configDigest,
                    note:
                        "\(image), manifest \(stored.manifestDigest); the engine's id for it (load it with securerun image save \(image) --format docker-archive)"
                )
                let config = stored.config
                defaults = ImageDefaults(
                    user: config.User, env: config.Env ?? [], entrypoint: config.Entrypoint ?? [], cmd: config.Cmd ?? [], workingDir: config.WorkingDir)
            }
            print(try ComposeRenderer.render(profile: loaded, service: service, image: pinned, defaults: defaults), terminator: "")
        }
    }
}
