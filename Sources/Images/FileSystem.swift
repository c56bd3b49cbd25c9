import Foundation
import HostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Small wrappers over the POSIX calls the store makes, each turning -1/errno into `ImageError.io`.
///
/// Everything the store creates is root-only from the first moment: directories are made 0700 and files
/// 0600 by the creating call itself, so there is no window in which another user could open them.
package enum FS {
    /// Mode of every directory the store creates.
    package static let directoryMode: mode_t = 0o700
    /// Mode of every file the store creates.
    package static let fileMode: mode_t = 0o600

    /// Retries on EINTR and throws the failing call's name and path otherwise.
    @discardableResult
    package static func check(_ result: @autoclosure () -> Int32, _ operation: String, _ path: String) throws(ImageError) -> Int32 {
        while true {
            let value = result()
            if value != -1 { return value }
            if errno == EINTR { continue }
            throw .io(path: path, operation: operation, errno: errno)
        }
    }

    /// Creates `url` and any missing parents, each with mode 0700 (never chmod'ed after).
    package static func makeDirectories(_ url: URL) throws(ImageError) {
        var missing: [String] = []
        var current = url.standardizedFileURL.path
        while !current.isEmpty && current != "/" {
            var info = stat()
            if stat(current, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw .io(path: current, operation: "create directory", errno: ENOTDIR)
                }
                break
            }
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for path in missing.reversed() where mkdir(path, directoryMode) != 0 && errno != EEXIST {
            throw .io(path: path, operation: "create directory", errno: errno)
        }
    }

    package static func exists(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0
    }

    package static func isDirectory(_ url: URL) -> Bool {
        var info = stat()
        return stat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    package static func read(_ url: URL) throws(ImageError) -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw .io(path: url.path, operation: "read", errno: (error as NSError).code == 260 ? ENOENT : EIO)
        }
    }

    /// Writes all of `buffer` to `fd` (short writes and EINTR retried).
    package static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(ImageError) {
        do { try FileContents.writeAll(fd: fd, buffer, path: path) } catch { throw .io(path: path, operation: "write", errno: error.errno) }
    }

    /// Writes all of `data` to `fd`.
    package static func writeAll(_ fd: Int32, _ data: Data, path: String) throws(ImageError) {
        var failure: ImageError?
        data.withUnsafeBytes { buffer in
            do throws(ImageError) { try writeAll(fd, buffer, path: path) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes all of `bytes` to `fd`.
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(ImageError) {
        try writeAll(fd, Data(bytes), path: path)
    }

    /// Writes `data` (mode 0600) to `temporaryName` beside `url`, fsyncs it and renames it over `url`,
    /// so readers see the old content or the new, never a part. `temporaryName` names the writer's work
    /// area (`WorkArea.temporaryName`), so a sweep can tell a dead writer's leftover from a live one.
    package static func writeAtomically(_ data: Data, to url: URL, temporaryName: String) throws(ImageError) {
        let temp = url.deletingLastPathComponent().appendingPathComponent(temporaryName)
        let fd = try check(open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, fileMode), "create", temp.path)
        do throws(ImageError) {
            try writeAll(fd, data, path: temp.path)
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
    package static func removeTree(_ url: URL) {
        try? SafeRemoval.remove(url.path)
    }

    package static func randomSuffix() -> String {
        (0..<12).map { _ in String("abcdefghijklmnopqrstuvwxyz0123456789".randomElement() ?? "x") }.joined()
    }
}
