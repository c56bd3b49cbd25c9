import ArgumentParser
import Foundation
import Orchestration
import Runtime

/// `securerun logs`.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a detached container's output.")

    @Flag(name: [.short, .long], help: "Keep printing new output until the container ends.")
    var follow = false

    @Option(name: [.customShort("n"), .long], help: "Only the last N lines.")
    var tail: Int?

    @Flag(name: [.short, .long], help: "Prefix each line with its RFC 3339 timestamp.")
    var timestamps = false

    @Option(help: "Only lines from this time on: a duration before now (10m, 1h30m), a Unix time, or an RFC 3339 time.")
    var since: String?

    @Option(help: "Only lines before this time (the same forms as --since).")
    var until: String?

    @Argument(help: "Name or id.")
    var container: String

    func run() async throws {
        try await reportingErrors(code: 1) {
            if let tail, tail < 0 { throw ValidationError("--tail takes a number of lines, 0 or more") }
            var window = LogWindow()
            for (flag, value) in [("--since", since), ("--until", until)] {
                guard let value else { continue }
                guard let instant = LogWindow.instant(value) else {
                    throw ValidationError(
                        "\(flag) \"\(value)\" is not a duration before now (10m, 1h30m), a Unix time (1700000000) or an RFC 3339 time (2024-05-01T12:00:00Z)")
                }
                if flag == "--since" { window.since = instant } else { window.until = instant }
            }
            try ContainerLogs(stateRoot: stateRoot(), reference: container).print(tail: tail, timestamps: timestamps, follow: follow, window: window) {
                bytes, stream in
                let fd: Int32 = stream == "stderr" ? 2 : 1
                bytes.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let written = write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                        if written <= 0 { return }
                        offset += written
                    }
                }
            }
        }
    }
}

/// `securerun inspect`.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Print a container's record: the hardened spec and the admission verdict it started under.")

    @Argument(help: "Names or ids.")
    var containers: [String]

    func run() async throws {
        try await reportingErrors(code: 1) {
            let root = stateRoot()
            var documents: [String] = []
            for reference in containers {
                documents.append(try ContainerInspection.json(stateRoot: root, reference: reference))
            }
            print("[\n" + documents.joined(separator: ",\n") + "\n]")
        }
    }
}

/// `securerun exec`.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a command in a running container, with exactly its floor (never root, never more capabilities).")

    @Flag(name: [.short, .long], help: "Pass the caller's stdin.")
    var interactive = false

    @Flag(name: [.short, .long], help: "Give the process a terminal of its own.")
    var tty = false

    @Option(name: [.short, .long], help: "A non-root user: a name from the image or uid[:gid].")
    var user: String?

    @Option(name: [.short, .customLong("env")], help: "Set KEY=VALUE (or pass KEY through).")
    var env: [String] = []

    @Option(name: [.short, .customLong("workdir")], help: "Working directory inside the container.")
    var workdir: String?

    @Argument(help: "Name or id.")
    var container: String

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
    var command: [String] = []

    func run() async throws {
        let status = try await reportingErrors {
            try ExecStart(
                stateRoot: stateRoot(), reference: container, command: command, interactive: interactive, tty: tty, user: user, env: env,
                workdir: workdir
            ).run()
        }
        throw ExitCode(status)
    }
}

/// `securerun __monitor`: the per-container process of a detached container (not for people).
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "__monitor", abstract: "The monitor of a detached container.", shouldDisplay: false)

    @Option(help: "Adopt the running container with this id (its monitor died).")
    var adopt: String?

    @Option(help: "Bring back the ended container with this id (securerun restore).")
    var restore: String?

    func run() throws {
        throw ExitCode(Monitor.main(stateRoot: stateRoot(), adopt: adopt, restore: restore))
    }
}
