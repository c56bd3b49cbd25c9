import Foundation
import Glibc

/// How lint reads what it is given: regular files only (a FIFO or device named by mistake cannot hang it),
/// read to the end, at most ``Linter/maxBytes``; directories walked without following symlinks.
public enum LintFiles {
    /// Why a file could not be read.
    public struct Unreadable: Error, Sendable {
        /// One line for the user.
        public var reason: String
    }

    /// Extensions looked at inside a directory.
    static let extensions: Set<String> = ["json", "yaml", "yml", "sh"]

    /// The file's bytes.
    static func read(_ path: String, limit: Int) throws(Unreadable) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else { throw Unreadable(reason: "cannot read \(path): \(String(cString: strerror(errno)).lowercased())") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw Unreadable(reason: "cannot read \(path): not a regular file")
        }
        guard let bytes = readAll(descriptor, limit: limit) else {
            throw Unreadable(reason: "cannot read \(path): larger than \(limit) bytes, or a read failed")
        }
        return bytes
    }

    /// Standard input to its end, or nil when it fails or is over the limit.
    public static func readStandardInput() -> [UInt8]? {
        readAll(STDIN_FILENO, limit: Linter.maxBytes)
    }

    static func readAll(_ descriptor: Int32, limit: Int) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) {
                if errno == EAGAIN { usleep(1000) }
                continue
            }
            guard count >= 0 else { return nil }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            if bytes.count > limit { return nil }
        }
    }

    /// The files under `directory` with a known extension, sorted, hidden entries and symlinks skipped.
    static func walk(_ directory: String) -> [String] {
        var found: [String] = []
        var pending = [directory]
        while let current = pending.popLast() {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: current) else { continue }
            for name in entries.sorted() where !name.hasPrefix(".") {
                let path = current.hasSuffix("/") ? current + name : current + "/" + name
                var status = stat()
                guard lstat(path, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR: pending.append(path)
                case S_IFREG where extensions.contains(URL(fileURLWithPath: name).pathExtension.lowercased()): found.append(path)
                default: continue
                }
            }
        }
        return found.sorted()
    }
}
