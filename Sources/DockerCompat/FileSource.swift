import Foundation
import Glibc
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
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw FileSourceError(errno == ENOENT ? "no such file" : String(cString: strerror(errno)).lowercased())
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileSourceError(String(cString: strerror(errno)).lowercased()) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw FileSourceError("not a regular file") }
        // The path of what was opened, whatever links led there.
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count - 1)
        guard length > 0 else { throw FileSourceError("cannot tell which file was opened") }
        let real = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let identity = (device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        if let refusal = Policy.hostPathRefusal(real, identity: identity, protectedHostPaths: protectedPaths) {
            throw FileSourceError("securerun reads it as root, so it may come only from where a volume could: \(refusal)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count >= 0 else { throw FileSourceError(String(cString: strerror(errno)).lowercased()) }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            if bytes.count > Self.maxBytes { throw FileSourceError("larger than 1 MiB") }
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
