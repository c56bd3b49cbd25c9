import ArgumentParser
import CHostSystem
import EnginePlugin
import Foundation
import HostSystem
import Logging
import Policy
import SecurerunCLI

/// `engine-plugin serve|health|install`: securerun as the Docker Engine's authorization plugin.
struct NetEnginePluginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine-plugin", abstract: EnginePluginOptions.abstract,
        subcommands: [EnginePluginServe.self, EnginePluginHealth.self, EnginePluginInstall.self])
}

/// `engine-plugin serve`: judge every Engine API call with the profile and the admission gate.
struct EnginePluginServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the authorization plugin (dockerd --authorization-plugin=securerun).",
        discussion: "Reloads the profile on SIGHUP and when its files or the trusted keys change; stops on SIGTERM.")

    @Option(help: "Hardening profile every container on the engine is held to (default: default).")
    var profile: String?

    @Option(help: "The plugin's socket (dockerd finds plugins by name in /run/docker/plugins).")
    var socket = EnginePluginOptions.defaultSocket

    @Option(help: "The engine's API socket, asked for image ids and containers (default: $DOCKER_HOST or /var/run/docker.sock).")
    var engine: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    func run() async throws {
        try await reportingErrors {
            guard geteuid() == 0 else { throw PluginSetupError("the engine plugin runs as root: it reads securerun's root-only state") }
            var logger = Logger(label: "securerun.engine-plugin")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            // A relative path is made absolute now, so a reload reads the same file.
            let requested = ProfileLoader.requested(profile)
            let loaded = try ProfileLoader.load(requested)
            let root = try openImageStore().root
            let engineSocket = engine.map { $0.hasPrefix("unix://") ? String($0.dropFirst(7)) : $0 } ?? EnginePluginOptions.engineSocket()
            let judge = EngineJudge(profile: loaded, stateRoot: root, engine: SocketEngineClient(socket: engineSocket))
            let state = PluginState(judge: judge, profileName: requested, logger: logger)
            try await EnginePluginServer.run(socket: socket, state: state)
        }
    }
}

/// `engine-plugin health`: asks a running plugin whether it serves, and under which profile.
struct EnginePluginHealth: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "health", abstract: "Check that the plugin serves (exit 0) and print its profile.")

    @Option(help: "The plugin's socket.")
    var socket = EnginePluginOptions.defaultSocket

    func run() throws {
        guard let answer = HealthProbe.get(socket, path: "/_securerun/health") else {
            printError("no engine plugin answers on \(socket)")
            throw ExitCode(1)
        }
        print(answer)
    }
}

/// `engine-plugin install`: what the host needs, printed (and the unit written with --write); never
/// edits daemon.json.
struct EnginePluginInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install", abstract: "Print (or --write) the systemd unit, and print the dockerd setting and how to undo it.")

    @Option(help: "Hardening profile the plugin enforces.")
    var profile = "default"

    @Option(help: "Where the unit goes with --write.")
    var unitPath = "/etc/systemd/system/securerun-engine-plugin.service"

    @Flag(help: "Write the unit file (daemon.json is never edited).")
    var write = false

    func run() throws {
        let executable =
            (realpath("/proc/self/exe", nil).map { pointer -> String in
                defer { free(pointer) }
                return String(cString: pointer)
            }) ?? "/usr/local/lib/securerun/securerun-net"
        let unit = EnginePluginOptions.unit(executable: executable, profile: profile)
        if write {
            try Data(unit.utf8).write(to: URL(fileURLWithPath: unitPath), options: .atomic)
            chmod(unitPath, 0o644)
            print("wrote \(unitPath)")
        } else {
            print("# \(unitPath)")
            print(unit)
        }
        print(EnginePluginOptions.instructions(unitPath: unitPath))
    }
}

/// Defaults and texts shared by the plugin's commands.
enum EnginePluginOptions {
    static let abstract = "Enforce the profile on the Docker Engine as its authorization plugin."
    static let defaultSocket = "/run/docker/plugins/securerun.sock"

    static func engineSocket(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let host = environment["DOCKER_HOST"], host.hasPrefix("unix://") { return String(host.dropFirst(7)) }
        return "/var/run/docker.sock"
    }

    static func unit(executable: String, profile: String) -> String {
        """
        [Unit]
        Description=securerun: the Docker Engine's authorization plugin
        Documentation=man:securerun(1)
        Before=docker.service
        After=local-fs.target

        [Service]
        ExecStart=\(executable) engine-plugin serve --profile \(profile)
        ExecReload=/bin/kill -HUP $MAINPID
        Restart=always
        RestartSec=1

        [Install]
        WantedBy=multi-user.target
        WantedBy=docker.service

        """
    }

    static func instructions(unitPath: String) -> String {
        """

        Then:
          systemctl daemon-reload && systemctl enable --now securerun-engine-plugin
          add to /etc/docker/daemon.json:   "authorization-plugins": ["securerun"]
            (or start dockerd with --authorization-plugin=securerun), then: systemctl restart docker
          check: securerun engine-plugin health; docker run --privileged IMAGE is refused

        While the plugin is down, dockerd refuses every API call (docker ps included).

        To undo:
          remove "authorization-plugins" from /etc/docker/daemon.json (or the flag), systemctl restart docker
          systemctl disable --now securerun-engine-plugin && rm \(unitPath) && systemctl daemon-reload
        """
    }
}

extension HealthProbe {
    /// A GET over the unix socket `path`; the body of a 200 answer (read to its end, at most 1 MiB), or nil.
    static func get(_ socketPath: String, path: String) -> String? {
        let fd = sr_connect_unix(socketPath)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: securerun\r\nConnection: close\r\n\r\n".utf8)
        guard (try? FileContents.writeAll(fd: fd, request, path: socketPath)) != nil,
            let response = try? FileContents.read(fd: fd, path: socketPath, limit: 1 << 20)
        else { return nil }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200"), let split = text.range(of: "\r\n\r\n") else { return nil }
        return String(text[split.upperBound...])
    }
}
