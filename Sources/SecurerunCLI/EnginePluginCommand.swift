import ArgumentParser

/// `securerun engine-plugin serve|health|install`: the Docker Engine's authorization plugin. It is a
/// server on SwiftNIO, so it lives in securerun-net; the command line goes there as typed.
struct EnginePluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine-plugin", abstract: "Enforce the profile on the Docker Engine as its authorization plugin.",
        discussion: """
            serve [--profile P] [--socket PATH] [--engine SOCKET]   judge every Engine API call (dockerd --authorization-plugin=securerun)
            health [--socket PATH]                                  exit 0 when the plugin answers
            install [--profile P] [--write]                         the systemd unit, the dockerd setting and how to undo it
            """)

    @Argument(parsing: .captureForPassthrough, help: "serve | health | install, and their options.")
    var arguments: [String] = []

    func run() throws { try NetExecutable.forward() }
}
