import ArgumentParser
import Capabilities
import Foundation
import Seccomp

/// `securerun seccomp …`: seccomp profiles.
struct SeccompCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seccomp", abstract: "Compare seccomp profiles.", subcommands: [SeccompDiffCommand.self])
}

/// `securerun seccomp diff A B`: what B permits that A does not, one line each, so a reviewer sees what a
/// change to a profile opens. Exit 0 when B permits nothing more, 1 when it does, 2 when a file cannot be
/// read or resolved.
struct SeccompDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "List what seccomp profile B permits that A does not (exit 1 if anything).",
        discussion: """
            Both profiles are resolved as securerun resolves them for a container on this host: the native \
            architecture's archMap entry, includes/excludes against the capabilities given with --cap (none by \
            default, as under the shipped profiles) and the running kernel. Argument conditions count as the same \
            only when written the same, so a narrower but differently written condition is listed too.
            """)

    @Argument(help: "The baseline profile (the one in use).")
    var baseline: String

    @Argument(help: "The profile to compare (the proposed one).")
    var candidate: String

    @Option(name: .customLong("cap"), help: "A capability the container keeps (repeatable), for cap-conditional rules.")
    var capabilities: [String] = []

    func run() throws {
        var caps = Set<Capability>()
        for name in capabilities {
            do {
                caps.insert(try Capability(parsing: name.uppercased().hasPrefix("CAP_") ? name : "CAP_" + name))
            } catch {
                printError("invalid --cap \(name): \(error.description)")
                throw ExitCode(2)
            }
        }
        let old = try resolve(baseline, caps)
        let new = try resolve(candidate, caps)
        let opened = new.loosening(comparedTo: old)
        for line in opened { print("\(candidate): \(line)") }
        if opened.isEmpty {
            printError("\(candidate) permits nothing that \(baseline) does not")
            return
        }
        printError("\(candidate) permits \(opened.count) thing\(opened.count == 1 ? "" : "s") that \(baseline) does not")
        throw ExitCode(1)
    }

    func resolve(_ path: String, _ caps: Set<Capability>) throws -> LinuxSeccomp {
        do {
            return try SeccompProfile.load(contentsOf: path).resolve(capabilities: caps, source: path)
        } catch {
            printError("\(error.description) (securerun lint \(path) shows every problem)")
            throw ExitCode(2)
        }
    }
}
