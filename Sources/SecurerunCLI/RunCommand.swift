import ArgumentParser

/// `securerun run`: start a hardened container.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a command in a new hardened container.")
    func run() async throws {}
}
