import ArgumentParser
import SecurerunCLI

/// The commands securerun-net runs: those that need the network stack (the registry client), which the
/// run path never loads. `securerun image pull|push` hand their command line here unchanged.
public struct SecurerunNetCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "securerun",
        abstract: "securerun's network commands (started by securerun; the same command lines work here).",
        version: SecurerunVersion.number,
        subcommands: [NetImageCommand.self, NetEnginePluginCommand.self, NetAdmissionCommand.self]
    )

    public init() {}
}

/// `image pull|push`.
struct NetImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Pull and push images.", subcommands: [NetImagePull.self, NetImagePush.self])
}
