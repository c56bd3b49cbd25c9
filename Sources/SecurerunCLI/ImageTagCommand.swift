import ArgumentParser
import Foundation
import Images

/// `securerun image tag`: give a stored image another name.
struct ImageTagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Give a stored image another name (a TARGET that named another image moves, as with docker tag).")

    @Argument(help: "The image: NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var source: String

    @Argument(help: "The new name, NAME[:TAG] (no digest).")
    var target: String

    func run() async throws {
        try await reportingErrors {
            _ = try openImageStore().tag(source, as: target)
        }
    }
}
