import Foundation
import HostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Small wrappers over the POSIX calls the store makes, each turning -1/errno into `ImageError.io`.
enum FS {
    /// Retries on EINTR and throws the failing call's name and path otherwise.
    @discardableResult
    static func check(_ result: @autoclosure () -> Int32, _ operation: String, _ path: String) throws(ImageError) -> Int32 {
        while true {
            let value = result()
            if value != -1 { return value }
            if errno == EINTR { continue }
            throw .io(path: path, operation: operation, errno: errno)
        }
    }

    static func makeDirectories(_ url: URL) throws(ImageError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .io(path: url.path, operation: "create directory", errno: EIO)
        }
    }

    static func exists(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0
    }

    static func isDirectory(_ url: URL) -> Bool {
        var info = stat()
        return stat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func read(_ url: URL) throws(ImageError) -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw .io(path: url.path, operation: "read", errno: (error as NSError).code == 260 ? ENOENT : EIO)
        }
    }

    /// Writes `data` to a temporary file beside `url`, fsyncs it and renames it over `url`,
    /// so readers see the old content or the new, never a part.
    static func writeAtomically(_ data: Data, to url: URL) throws(ImageError) {
        let temp = url.deletingLastPathComponent().appendingPathComponent(".tmp-\(randomSuffix())-\(url.lastPathComponent)")
        let fd = try check(open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644), "create", temp.path)
        do throws(ImageError) {
            let bytes = [UInt8](data)
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw .io(path: temp.path, operation: "write", errno: errno)
                }
                offset += written
            }
            try check(fsync(fd), "fsync", temp.path)
            close(fd)
            try check(rename(temp.path, url.path), "rename into place", url.path)
        } catch {
            close(fd)
            unlink(temp.path)
            throw error
        }
    }

    /// Removes a file or a whole directory tree without following symlinks or crossing a mount (see
    /// ``SafeRemoval``); missing is fine. A tree with a mount inside is kept whole.
    static func removeTree(_ url: URL) {
        try? SafeRemoval.remove(url.path)
    }

    static func randomSuffix() -> String {
        (0..<12).map { _ in String("abcdefghijklmnopqrstuvwxyz0123456789".randomElement() ?? "x") }.joined()
    }
}
