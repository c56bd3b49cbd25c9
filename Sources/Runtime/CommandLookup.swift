import Foundation

/// Finds a command inside an image's rootfs the way execvp in the container would, resolving every
/// path inside the rootfs (never on the host).
public enum CommandLookup {
    /// What a lookup found.
    public enum Result: Equatable, Sendable {
        /// An executable regular file.
        case found
        /// Nothing of that name (docker's exit 127).
        case notFound
        /// Something that cannot be executed: a directory, or a file without execute permission (docker's 126).
        case notExecutable(reason: String)
    }

    /// The first prefix of `path` (`/a`, `/a/b`, …) that exists in the image and is not a directory.
    public static func firstNonDirectory(_ path: String, in rootfs: URL) -> String? {
        RootfsPath.firstNonDirectory(path, in: rootfs)
    }

    /// Looks `command` up in `rootfs`: a path (absolute, or relative to `cwd`) directly, a bare name through
    /// `PATH` from `env`.
    public static func find(_ command: String, in rootfs: URL, env: [String], cwd: String = "/") -> Result {
        if command.contains("/") {
            return check(command.hasPrefix("/") ? command : cwd + "/" + command, in: rootfs)
        }
        let pathValue =
            env.last(where: { $0.hasPrefix("PATH=") }).map { String($0.dropFirst(5)) }
            ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        var firstProblem: Result = .notFound
        for dir in pathValue.split(separator: ":") where !command.isEmpty {
            let result = check("\(dir)/\(command)", in: rootfs)
            if result == .found { return result }
            // execvp reports EACCES for a match it cannot run only if nothing later in PATH works.
            if firstProblem == .notFound { firstProblem = result }
        }
        return firstProblem
    }

    static func check(_ path: String, in rootfs: URL) -> Result {
        switch RootfsPath.resolve(path, in: rootfs)?.kind {
        case .none: return .notFound
        case .some(.directory): return .notExecutable(reason: "is a directory")
        case .some(.other): return .notExecutable(reason: "is not a regular file")
        case .some(.regularFile(let mode)):
            return mode & 0o111 == 0 ? .notExecutable(reason: "has no execute permission") : .found
        }
    }
}
