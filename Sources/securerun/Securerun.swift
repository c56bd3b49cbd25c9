import ArgumentParser
import Foundation
import SecurerunCLI

/// The executable: hands argv to the command tree in SecurerunCLI.
@main
enum Securerun {
    static func main() async {
        // Everything securerun creates is root-only, whatever the caller's umask (kept for the real docker).
        _ = CallerProcess.umask
        // A closed stdout (`securerun run … | head -1`) must not kill securerun before it tears the
        // container down: writes then fail with EPIPE instead. Children get default dispositions back.
        signal(SIGPIPE, SIG_IGN)
        let arguments = Array(CommandLine.arguments.dropFirst())
        // Installed as `docker` (a symlink earlier in PATH): the whole command line is docker's.
        if URL(fileURLWithPath: CommandLine.arguments.first ?? "").lastPathComponent == "docker" {
            runAsDocker(arguments)
        }
        if let refusal = SecurerunCommand.unknownCommandRefusal(arguments) {
            FileHandle.standardError.write(Data("securerun: \(refusal)\n".utf8))
            exit(125)
        }
        do {
            var command = try SecurerunCommand.parseAsRoot(arguments)
            if let refusal = SecurerunCommand.rootRefusal(for: command) {
                FileHandle.standardError.write(Data("securerun: \(refusal)\n".utf8))
                exit(125)
            }
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
