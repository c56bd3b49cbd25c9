import Foundation
import Policy

/// A parsed `run` command line: the request, and securerun's own flags.
public struct ParsedRun: Sendable, Equatable {
    /// What the caller asked for.
    public var request: RunRequest
    /// `--profile` (securerun run only).
    public var profile: Flagged<String>?
    /// securerun's `--runtime runc|crun` (securerun run only).
    public var runtime: Flagged<String>?
    /// `--dry-run` (securerun run only).
    public var dryRun: Bool
    /// `--help` was given: print the help, run nothing.
    public var helpRequested: Bool
}

/// What the parser needs from outside, passed in so that parsing stays a pure function of it: the caller's
/// environment (`-e KEY`, env files' bare names), the working directory (`-v ./dir:/d`), and the files
/// `--env-file` and `--label-file` name.
public struct ParseContext: Sendable {
    public var environment: [String: String]
    public var workingDirectory: String
    public var files: any FileSource

    public init(environment: [String: String], workingDirectory: String, files: any FileSource) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.files = files
    }

    /// This process's environment and directory, and the host's files as securerun may read them.
    public static func current(protectedPaths: [String] = []) -> ParseContext {
        ParseContext(
            environment: ProcessInfo.processInfo.environment, workingDirectory: FileManager.default.currentDirectoryPath,
            files: HostFileSource(protectedPaths: protectedPaths))
    }
}

/// docker's `run`/`create` grammar, from argv to a typed ``RunRequest``: the one parser `securerun run` and
/// `securerun docker run` share. It refuses nothing on policy grounds (that is `Policy.enforce`'s job, so lint
/// and a run can never disagree); it rejects only what docker itself would reject, and flags it does not
/// know. Every value keeps the flag as typed and its position.
public enum DockerRunParser {
    /// Parses `arguments` (the words after `run`).
    public static func parse(_ arguments: [String], mode: GrammarMode, context: ParseContext) throws(DockerCompatError) -> ParsedRun {
        let table = FlagTable(mode: mode)
        let scanned = try ArgumentScanner.scan(arguments, table: table)
        var builder = RequestBuilder(context: context, mode: mode)
        for occurrence in scanned.occurrences {
            try builder.apply(occurrence)
        }
        if builder.helpRequested {
            return ParsedRun(request: RunRequest(image: ""), profile: nil, runtime: nil, dryRun: false, helpRequested: true)
        }
        guard let image = scanned.image else { throw .missingImage }
        guard !image.isEmpty else {
            throw .invalidValue(FlagOrigin(flag: "IMAGE", typed: "\"\"", index: scanned.imageIndex), reason: "the image name is empty")
        }
        var request = try builder.finish()
        request.image = image
        request.command = scanned.command
        return ParsedRun(request: request, profile: builder.profile, runtime: builder.runtime, dryRun: builder.dryRun, helpRequested: false)
    }
}
