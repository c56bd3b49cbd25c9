import ArgumentParser
import Foundation
import Orchestration

/// `securerun restore`: what securerun-restore.service runs once the host has started.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring back the detached containers whose restart policy says they run (after a reboot).",
        discussion: """
            Without names: every detached container with --restart always, or unless-stopped that securerun stop \
            did not stop, whose monitor is gone (the host restarted, or its monitor was killed). With names: those \
            containers, whatever their policy. Each goes through the whole start decision again: an image no longer \
            admitted (a stale scan, a withdrawn key) or a request the profile now refuses stays down, and ps, inspect \
            and its log say why. Exits 1 when a container could not be brought back. securerun-restore.service, which \
            scripts/install installs, runs it at boot.
            """
    )

    @Argument(help: "Names or ids (default: every container its restart policy brings back).")
    var containers: [String] = []

    func run() async throws {
        try await reportingErrors {
            let (messages, outcomes) = try Restore.run(stateRoot: try securedStateRoot(), names: containers)
            for message in messages { printError(message) }
            var failed = false
            for outcome in outcomes {
                if let problem = outcome.problem {
                    printError("\(outcome.name) not restored: \(problem)")
                    failed = true
                } else {
                    print(outcome.name)
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}

/// `securerun generate systemd NAME`: prints a unit for one container (podman's habit).
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate configuration for other tools.", subcommands: [GenerateSystemdCommand.self])
}

/// `securerun generate systemd NAME`.
struct GenerateSystemdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "systemd",
        abstract: "Print a systemd unit that starts and stops one detached container through securerun.",
        discussion: """
            For users who keep a unit per container instead of securerun-restore.service. The unit's start runs \
            securerun restore NAME (the whole start decision again), its stop securerun stop NAME; restarts stay \
            with the container's --restart policy and its monitor.
            """
    )

    @Argument(help: "The container's name or id.")
    var container: String

    func run() async throws {
        try await reportingErrors {
            let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/usr/local/bin/securerun"
            print(try SystemdUnits.container(container, stateRoot: stateRoot(), binary: binary), terminator: "")
        }
    }
}
