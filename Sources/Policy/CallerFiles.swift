import Foundation
import Glibc
import HostSystem

/// Files a caller names on the command line (`--env-file`, `--label-file`, `--security-opt seccomp=FILE`),
/// which securerun reads as root: only a regular file, bounded, opened without blocking (a FIFO cannot hang
/// it), and only from where a volume could come from. The check is made on the file actually opened (its
/// real path through /proc/self/fd, and its device and inode), so a symlink, a hard link or a rename after
/// the check cannot make securerun read /etc/shadow on the caller's behalf.
public enum CallerFiles {
    /// Why a file could not be read: one line.
    public struct Failure: Error, Sendable, Equatable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }

    /// The file's bytes. `trustedDirectories` (the profile's own seccomp directory) may be read even where a
    /// volume could not come from (an installed /usr/share/securerun).
    public static func read(
        _ path: String, limit: Int, protectedHostPaths: [String] = [], trustedDirectories: [String] = []
    ) throws(Failure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw Failure(errno == ENOENT ? "no such file" : String(cString: strerror(errno)).lowercased())
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Failure(String(cString: strerror(errno)).lowercased()) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw Failure("not a regular file") }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count - 1)
        guard length > 0 else { throw Failure("cannot tell which file was opened") }
        let real = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let trusted = trustedDirectories.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().standardizedFileURL.path }
        if !trusted.contains(where: { real.hasPrefix($0 + "/") }),
            let refusal = Policy.hostPathRefusal(
                real, identity: (UInt64(status.st_dev), UInt64(status.st_ino)), protectedHostPaths: protectedHostPaths)
        {
            throw Failure("securerun reads it as root, so it may come only from where a volume could: \(refusal)")
        }
        do {
            return try FileContents.read(fd: descriptor, path: path, limit: limit)
        } catch {
            throw Failure(error.errno == EFBIG ? "larger than \(ByteSize(bytes: Int64(limit)))" : error.reason.lowercased())
        }
    }
}
