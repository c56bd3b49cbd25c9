import ArgumentParser
import Foundation
import Images
import Orchestration

/// `securerun gc`: removes what killed or failed containers and interrupted image operations left behind.
struct GcCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove what interrupted containers and image operations left behind.",
        discussion: """
            Tears down containers whose owner died (mounts, cgroups, runtime state), then every veth, IFB \
            device, network namespace, host nftables table and docker network holder of this state root \
            that no running container owns, then the image store's leftovers, then the images securerun \
            loaded into the Docker Engine that no container uses any more (never an image it did not load). \
            Running containers and other state roots' things are never touched. Every container command does \
            the quick part of this itself.
            """
    )

    func run() async throws {
        try await reportingErrors {
            let root = try securedStateRoot()
            let messages = Sweep.run(stateRoot: root, thorough: true).messages
            for message in messages { print(message) }
            let leftovers = ImageStore(root: root).sweep()
            for leftover in leftovers { print("removed leftover of an interrupted image operation: \(leftover)") }
            let engineImages = EngineImages.releaseUnused()
            for line in engineImages { print(line) }
            if messages.isEmpty && leftovers.isEmpty && engineImages.isEmpty { print("nothing to remove") }
        }
    }
}
