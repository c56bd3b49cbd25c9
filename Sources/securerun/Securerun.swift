import ArgumentParser
import Foundation
import SecurerunCLI

/// The executable: hands argv to the command tree in SecurerunCLI.
@main
enum Securerun {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try SecurerunCommand.parseAsRoot(arguments)
            defer { SecurerunCommand.secureStateRootAfterCommand() }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // A bad flag is securerun refusing, as `docker run` does: 125, not argument-parser's 64.
            if SecurerunCommand.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((SecurerunCommand.fullMessage(for: error) + "\n").utf8))
                exit(125)
            }
            SecurerunCommand.exit(withError: error)
        }
    }
}
