import ArgumentParser
import Foundation
import Images
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
            for abandoned in AbandonedContainers.sweep(stateRoot: root) {
                printError("removed abandoned container \(abandoned) (its securerun process is gone)")
            }
            let store = try openImageStore()
            for reference in references {
                try store.remove(reference)
                print("Removed \(reference)")
            }
        }
    }
}
