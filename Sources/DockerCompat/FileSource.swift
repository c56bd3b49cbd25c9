import Policy

/// Where the parser reads `--env-file` and `--label-file` from; tests give it files in memory.
public protocol FileSource: Sendable {
    /// The file's bytes, or why it cannot be read.
    func contents(of path: String) throws(FileSourceError) -> [UInt8]
}

/// Why a flag's file could not be read.
public struct FileSourceError: Error, Sendable, Equatable {
    /// One line for the user.
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// The host's files, read the way securerun, running as root, must read a file a caller names: only a
/// regular file, at most 1 MiB, opened without blocking (a FIFO cannot hang it), and only from where a
/// volume could come from. Credentials, /proc, /run, the host's system directories and securerun's state
/// are refused, judged on the file actually opened (its real path and its device and inode), so a symlink
/// or hard link to /etc/shadow reads nothing.
public struct HostFileSource: FileSource {
    /// The largest env or label file read.
    public static let maxBytes = 1 << 20
    /// Paths treated like securerun's state root (refused, with their parents).
    public var protectedPaths: [String]

    public init(protectedPaths: [String] = []) {
        self.protectedPaths = protectedPaths
    }

    public func contents(of path: String) throws(FileSourceError) -> [UInt8] {
        do {
            return try CallerFiles.read(path, limit: Self.maxBytes, protectedHostPaths: protectedPaths)
        } catch {
            throw FileSourceError(error.reason)
        }
    }
}

/// Files given in memory, by path (for tests and for lint, which never reads the host's files as root).
public struct InMemoryFiles: FileSource {
    public var files: [String: [UInt8]]
    public init(_ files: [String: String] = [:]) {
        self.files = files.mapValues { Array($0.utf8) }
    }
    public func contents(of path: String) throws(FileSourceError) -> [UInt8] {
        guard let bytes = files[path] else { throw FileSourceError("no such file") }
        return bytes
    }
}
