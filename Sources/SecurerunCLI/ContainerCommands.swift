import Admission
import ArgumentParser
import Foundation
import Orchestration

/// `securerun ps`: containers and their state.
struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List containers (running ones; all with -a).")

    @Flag(name: [.short, .long], help: "Show every container, not only running ones.")
    var all = false

    @Flag(name: [.short, .long], help: "Print only ids.")
    var quiet = false

    @Flag(help: "Print the containers as a JSON array.")
    var json = false

    func run() async throws {
        try await reportingErrors(code: 1) {
            let root = stateRoot()
            for message in Sweep.run(stateRoot: root).messages { printError(message) }
            let views = Containers(stateRoot: root).list().filter { all || $0.isRunning || $0.record?.status == .restarting }
            if quiet {
                for view in views { print(String(view.id.prefix(12))) }
                return
            }
            let rows = views.map(ContainerRow.init)
            if json {
                print(try jsonString(rows))
                return
            }
            printTable(
                [["CONTAINER ID", "NAME", "IMAGE", "DIGEST", "PROFILE", "RUNTIME", "STATUS", "CREATED", "SCAN AGE"]]
                    + rows.map {
                        [$0.id.prefix(12).description, $0.name ?? "", $0.image, $0.shortDigest, $0.profile, $0.runtime, $0.statusText, $0.created, $0.scanAge]
                    })
        }
    }
}

/// One row of `ps`.
struct ContainerRow: Encodable {
    var id: String
    var name: String?
    var image: String
    var digest: String
    var profile: String
    var runtime: String
    var status: String
    var statusText: String
    /// Restarts its restart policy made (docker's RestartCount).
    var restartCount: Int
    var created: String
    var exitCode: Int32?
    var scanFinishedOn: String?
    var scanAge: String
    var problem: String?

    var shortDigest: String { String(digest.dropFirst("sha256:".count).prefix(12)) }

    init(_ view: ContainerView) {
        id = view.id
        let record = view.record
        name = record?.name
        image = record?.image ?? "?"
        digest = record?.imageDigest ?? ""
        profile = record?.profile ?? ""
        runtime = record?.runtime ?? ""
        status = view.status
        created = record?.created ?? ""
        exitCode = record?.exitCode
        restartCount = record?.restartCount ?? 0
        scanFinishedOn = record?.verdict.scanFinishedOn
        scanAge = scanFinishedOn.flatMap(Self.age) ?? "-"
        problem = view.problem
        switch record?.status {
        case .running?:
            statusText = "Up " + (record?.started.flatMap(Self.age) ?? "")
            switch record?.health?.status {
            case .starting?: statusText += " (health: starting)"
            case .healthy?: statusText += " (healthy)"
            case .unhealthy?: statusText += " (unhealthy)"
            case nil: break
            }
        case .restarting?:
            statusText = "Restarting (\(record?.exitCode.map(String.init) ?? "unknown")) " + (record?.finished.flatMap(Self.age).map { "\($0) ago" } ?? "")
        case .exited?:
            statusText = "Exited (\(record?.exitCode.map(String.init) ?? "unknown")) " + (record?.finished.flatMap(Self.age).map { "\($0) ago" } ?? "")
            if let refused = record?.restartRefused { statusText += " (not restarted: \(refused))" }
        case .created?: statusText = "Created"
        case nil: statusText = "Broken (unreadable record)"
        }
    }

    /// How long ago an RFC 3339 time was, in the largest whole unit (`5m`, `2h`, `3d`).
    static func age(_ text: String) -> String? {
        guard let date = Timestamp.parse(text) else { return nil }
        let seconds = Int(max(0, Date().timeIntervalSince(date)))
        if seconds >= 86_400 { return "\(seconds / 86_400)d" }
        if seconds >= 3600 { return "\(seconds / 3600)h" }
        if seconds >= 60 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

/// `securerun stop`.
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop containers: their --stop-signal (SIGTERM by default), then SIGKILL after the timeout.")

    @Option(name: [.short, .customLong("time")], help: "Seconds to wait before SIGKILL (default: the container's --stop-timeout, else 10).")
    var time: Int?

    @Option(name: [.short, .long], help: "Signal to send first (default: the container's --stop-signal, else TERM).")
    var signal: String?

    @Argument(help: "Names or ids.")
    var containers: [String]

    func run() async throws {
        var number: Int32?
        if let signal {
            guard let parsed = SignalName.number(signal) else {
                printError("invalid --signal \(signal): use a signal name such as TERM or HUP, or a number from 1 to 64")
                throw ExitCode(1)
            }
            number = parsed
        }
        let seconds = time.map { max(0, $0) }
        try await each(containers) { try Lifecycle(stateRoot: stateRoot()).stop($0, timeout: seconds, signal: number) }
    }
}

/// `securerun kill`.
struct KillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Send a signal to containers (default SIGKILL).")

    @Option(name: [.short, .long], help: "The signal: a name (TERM, SIGHUP) or a number.")
    var signal = "KILL"

    @Argument(help: "Names or ids.")
    var containers: [String]

    func run() async throws {
        guard let number = SignalName.number(signal) else {
            printError("invalid --signal \(signal): use a signal name such as TERM or HUP, or a number from 1 to 64")
            throw ExitCode(1)
        }
        try await each(containers) { try Lifecycle(stateRoot: stateRoot()).kill($0, signal: number) }
    }
}

/// `securerun rm`.
struct RmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove containers that have ended (-f: running ones too).")

    @Flag(name: [.short, .long], help: "Kill a running container first.")
    var force = false

    @Argument(help: "Names or ids.")
    var containers: [String]

    func run() async throws {
        try await each(containers) { try Lifecycle(stateRoot: stateRoot()).remove($0, force: force) }
    }
}

/// `securerun wait`.
struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Wait for containers to end and print their exit codes.")

    @Argument(help: "Names or ids.")
    var containers: [String]

    func run() async throws {
        try await each(containers) { reference in
            let code = try Lifecycle(stateRoot: stateRoot()).wait(reference)
            return code.map(String.init) ?? "unknown"
        }
    }
}

/// Runs `body` for each container, printing what it returns; errors are one line each and exit 1.
func each(_ references: [String], _ body: (String) throws -> String) async throws {
    var failed = false
    for reference in references {
        do {
            print(try body(reference))
        } catch {
            printError(String(describing: error))
            failed = true
        }
    }
    if failed { throw ExitCode(1) }
}

/// Signal names as kill(1) and docker take them.
enum SignalName {
    static let names: [String: Int32] = [
        "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "KILL": SIGKILL, "TERM": SIGTERM, "USR1": SIGUSR1, "USR2": SIGUSR2,
        "STOP": SIGSTOP, "CONT": SIGCONT, "ALRM": SIGALRM, "WINCH": SIGWINCH, "PIPE": SIGPIPE,
    ]

    /// `TERM`, `SIGTERM`, `sigterm` or `15`.
    static func number(_ text: String) -> Int32? {
        if let value = Int32(text) { return (1...64).contains(value) ? value : nil }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        return names[name]
    }
}
