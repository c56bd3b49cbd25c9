import SecurerunCLI
import SecurerunNetCLI

/// The network executable: registry pulls and pushes (and later the servers), off securerun's run path.
@main
enum SecurerunNet {
    static func main() async {
        await CommandLineEntry.run(SecurerunNetCommand.self, arguments: Array(CommandLine.arguments.dropFirst()))
    }
}
