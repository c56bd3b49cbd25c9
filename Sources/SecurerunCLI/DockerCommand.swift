import ArgumentParser
import Foundation
import Orchestration

/// The umask securerun was started with, captured once at start (when securerun sets its own, 077).
public enum CallerProcess {
    /// Read on first use, which `main` makes the very first thing it does.
    public static let umask: mode_t = Glibc.umask(0o077)
}

/// `securerun docker …`: docker's command line with securerun's floor under run and create.
struct DockerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docker",
        abstract: "Use docker through securerun: run and create are hardened and admitted, the rest goes to docker.",
        discussion: """
            run, create (and container run/create) start containers on the local Docker Engine with the profile's \
            floor and admission check ($SECURERUN_PROFILE, default: default). On containers securerun started, exec \
            --privileged, exec as root, update raising a limit and network connect are refused, exec runs as the user \
            securerun checked (in numbers), and start and restart take the start decision again. These commands are read \
            with docker's own grammar; one securerun cannot read, or judge on the engine docker would use, is refused. \
            Every other command is handed to the real docker unchanged. See 'securerun docker-alias'.
            """,
        helpNames: [])

    @Argument(parsing: .captureForPassthrough, help: "A docker command line.")
    var arguments: [String] = []

    func run() async throws {
        runAsDocker(arguments)
    }
}

/// Runs a docker command line through the drop-in (`securerun docker …`, or securerun installed as `docker`).
public func runAsDocker(_ arguments: [String]) -> Never {
    do {
        let status = try DockerDropIn(stateRoot: try securedStateRoot(), arguments: arguments, callerUmask: CallerProcess.umask) {
            printError($0)
        }.run()
        Glibc.exit(status)
    } catch {
        printError(String(describing: error))
        Glibc.exit(exitCode(for: error))
    }
}

/// `securerun docker-alias`: how to make `docker` mean `securerun docker`.
struct DockerAliasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docker-alias", abstract: "Print the shell alias (and the symlink command) that make docker go through securerun.")

    @Option(help: "bash, zsh or fish.")
    var shell: String = "bash"

    func run() throws {
        let binary =
            (ProcessInfo.processInfo.environment["SECURERUN_ALIAS_BINARY"].flatMap { $0.isEmpty ? nil : $0 })
            ?? ProfileLoaderPath.binary
        switch shell {
        case "bash", "zsh":
            print("alias docker='\(binary) docker'")
        case "fish":
            print("alias docker '\(binary) docker'")
        default:
            throw ValidationError("--shell takes bash, zsh or fish")
        }
        print("# or, for every shell and script: a docker symlink earlier in PATH than the real docker:")
        print("# ln -s \(binary) /usr/local/sbin/docker")
    }
}

/// Where this binary is, for printing.
enum ProfileLoaderPath {
    static var binary: String {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "securerun"
    }
}
