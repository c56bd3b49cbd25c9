import ArgumentParser
import Foundation
import Images

/// `securerun image rm`: remove images (refused while a container uses one).
struct ImageRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove stored images.", aliases: ["remove"])

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var references: [String]

    func run() async throws {
        try await reportingErrors {
            let store = ImageStore(root: stateRoot())
            for reference in references {
                try store.remove(reference)
                print("Removed \(reference)")
            }
        }
    }
}
