import ArgumentParser
import SecurerunCLI

/// The executable: hands argv to the command tree in SecurerunCLI.
@main
enum Securerun {
    static func main() async {
        await SecurerunCommand.main()
    }
}
