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
        // The drop-in and --version skip building the command tree: every docker command a user types
        // through the alias pays for securerun's start. Installed as `docker` (a symlink earlier in PATH),
        // the whole command line is docker's.
        if (CommandLine.arguments.first ?? "").split(separator: "/").last == "docker" {
            runAsDocker(arguments)
        }
        if arguments.first == "docker" {
            runAsDocker(Array(arguments.dropFirst()))
        }
        if arguments == ["--version"] {
            print(SecurerunVersion.number)
            exit(0)
        }
        await CommandLineEntry.run(
            SecurerunCommand.self, arguments: arguments, refuseUnparsed: SecurerunCommand.unknownCommandRefusal,
            refuseParsed: { SecurerunCommand.rootRefusal(for: $0) })
    }
}
