import ArgumentParser
import Foundation
import Images
import Orchestration
import Runtime

/// `securerun image rm`: remove images (refused while a container uses one).
struct ImageRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove stored images.", aliases: ["remove"])

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var references: [String]

    func run() async throws {
        try await reportingErrors {
            let root = try securedStateRoot()
            // Only live containers hold an image: ones whose securerun process died are removed first.
            for message in Sweep.run(stateRoot: root).messages { printError(message) }
            let store = try openImageStore()
            for reference in references {
                do {
                    try store.remove(reference)
                } catch let error as ImageError {
                    // The store knows container ids; people know names.
                    guard case ImageError.inUse(let reference, let digest, let ids) = error else { throw error }
                    let names = ids.map { id in Containers(stateRoot: root).list().first { $0.id == id }?.record?.displayName ?? id }
                    throw ImageError.inUse(reference: reference, digest: digest, containers: names)
                }
                print("Removed \(reference)")
            }
        }
    }
}
