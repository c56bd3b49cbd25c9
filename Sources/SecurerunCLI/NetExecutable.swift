import ArgumentParser
import Foundation

/// securerun-net, the executable holding the network code (the registry client, later the servers), so
/// that `securerun` itself links no network stack: found beside this binary (a build) or in
/// `../lib/securerun/` (an install).
package enum NetExecutable {
    /// Its path, or nil when it is missing.
    package static func locate() -> String? {
        guard let me = realpath("/proc/self/exe", nil) else { return nil }
        defer { free(me) }
        let directory = URL(fileURLWithPath: String(cString: me)).deletingLastPathComponent()
        for candidate in ["securerun-net", "../lib/securerun/securerun-net"] {
            let path = directory.appendingPathComponent(candidate).standardizedFileURL.path
            if access(path, X_OK) == 0 { return path }
        }
        return nil
    }

    /// Replaces this process with securerun-net given `arguments` (this command line as typed).
    package static func forward(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) throws -> Never {
        guard let path = locate() else { throw Missing() }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        throw Missing(reason: String(cString: strerror(errno)))
    }

    /// securerun-net could not be started.
    struct Missing: Error, CustomStringConvertible {
        var reason: String?
        var description: String {
            "cannot run securerun-net, which pulls and pushes images\(reason.map { " (\($0))" } ?? ""); "
                + "it belongs beside securerun or in ../lib/securerun/: reinstall with scripts/install"
        }
    }
}

/// What both executables' `main` do with a command line: run the command tree, with a bad flag refused as
/// `docker run` refuses one (125, not argument-parser's 64).
package enum CommandLineEntry {
    /// `refuseUnparsed` may refuse a command line before it is parsed (an unknown command, with a
    /// suggestion), `refuseParsed` a parsed command (one that needs root): either refusal is one line, 125.
    package static func run<Command: ParsableCommand>(
        _ root: Command.Type, arguments: [String], refuseUnparsed: @Sendable ([String]) -> String? = { _ in nil },
        refuseParsed: @Sendable (any ParsableCommand) -> String? = { _ in nil }
    ) async -> Never {
        if let refusal = refuseUnparsed(arguments) { refuse(refusal) }
        do {
            var command = try root.parseAsRoot(arguments)
            if let refusal = refuseParsed(command) { refuse(refusal) }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch {
            if root.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((root.fullMessage(for: error) + "\n").utf8))
                exit(125)
            }
            root.exit(withError: error)
        }
    }

    private static func refuse(_ message: String) -> Never {
        FileHandle.standardError.write(Data("securerun: \(message)\n".utf8))
        exit(125)
    }
}
