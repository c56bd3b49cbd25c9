import ArgumentParser
import DockerCompat
import Foundation
import Orchestration
import Policy

/// `securerun run`: start a hardened container, parsing its flags with docker's grammar (DockerCompat).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command in a new hardened container (docker run's flags).",
        discussion: "The flags are docker run's; 'securerun run --help' lists them with what securerun does with each.",
        // -h is --hostname, as in docker run; --help is handled with the flags below.
        helpNames: []
    )

    @Argument(parsing: .captureForPassthrough, help: "[OPTIONS] IMAGE [COMMAND] [ARG...], exactly as docker run takes them.")
    var arguments: [String] = []

    func run() async throws {
        let root = stateRoot()
        let parsed: ParsedRun
        do {
            parsed = try DockerRunParser.parse(arguments, mode: .securerunRun, context: .current(protectedPaths: [root.path]))
        } catch {
            printError("\(error) (see 'securerun run --help')")
            throw ExitCode(SecurerunExit.refused)
        }
        if parsed.helpRequested {
            print(RunHelp.text(command: "securerun run", mode: .securerunRun))
            return
        }
        let status = try await reportingErrors {
            try ContainerStart(
                request: parsed.request, profileName: ProfileLoader.requested(parsed.profile?.value), runtime: parsed.runtime?.value ?? "runc",
                dryRun: parsed.dryRun, stateRoot: try securedStateRoot(), notice: { printError($0) }
            ).run()
        }
        throw ExitCode(status)
    }
}
