#if canImport(Glibc)
    import Glibc
#endif

/// Whole-file reads that loop until end of file. /proc files report size 0 and hand out a page or so per
/// read(2); a reader that trusts one read sees only the start (the bug that hid most of mountinfo).
public enum FileContents {
    /// Reads `path` to EOF; refuses files over `limit` bytes rather than truncating them.
    public static func read(_ path: String, limit: Int = 64 << 20) throws(SystemError) -> [UInt8] {
        let fd = try retryingOnInterrupt("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        return try read(fd: fd, path: path, limit: limit)
    }

    /// Reads an open descriptor to EOF (see `read(_:limit:)`). A descriptor left non-blocking fails with
    /// EAGAIN when it has nothing yet, unless `waitWhenEmpty` (a pipe on standard input), which waits for it.
    public static func read(fd: Int32, path: String, limit: Int = 64 << 20, waitWhenEmpty: Bool = false) throws(SystemError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer -> Int in
                var result: Int
                repeat { result = Glibc.read(fd, buffer.baseAddress, buffer.count) } while result < 0 && errno == EINTR
                return result
            }
            if count < 0 && errno == EAGAIN && waitWhenEmpty {
                var wanted = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&wanted, 1, -1)
                continue
            }
            if count < 0 { throw .last("read", path: path) }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0..<count])
            if result.count > limit { throw SystemError("read", path: path, errno: EFBIG) }
        }
    }

    /// Why `readRegular` read nothing.
    public enum RegularFileError: Error, Sendable {
        /// The path names a symlink, directory, FIFO, socket or device.
        case notRegular
        /// The file holds more than the limit (what was seen so far).
        case tooLarge(bytes: Int)
        /// A system call failed.
        case system(SystemError)
    }

    /// Reads `path` to EOF when it is a regular file of at most `limit` bytes. The open neither follows a
    /// final symlink nor blocks (a FIFO put where a file was expected cannot hang the reader), and the
    /// type is judged on the descriptor opened, so a file swapped in between is judged as what is read.
    /// With `followLinks`, a final symlink is followed (a profile named through a link); the file it
    /// names must still be regular, and the open still never blocks.
    public static func readRegular(_ path: String, limit: Int, followLinks: Bool = false) throws(RegularFileError) -> [UInt8] {
        let fd: Int32
        let flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (followLinks ? 0 : O_NOFOLLOW)
        do { fd = try retryingOnInterrupt("open", path: path) { open(path, flags) } } catch {
            throw error.errno == ELOOP ? .notRegular : .system(error)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(.last("fstat", path: path)) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notRegular }
        guard Int(info.st_size) <= limit else { throw .tooLarge(bytes: Int(info.st_size)) }
        do { return try read(fd: fd, path: path, limit: limit) } catch {
            throw error.errno == EFBIG ? .tooLarge(bytes: limit + 1) : .system(error)
        }
    }

    /// Writes all of `buffer` to `fd`: short writes continued, EINTR retried.
    public static func writeAll(fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(SystemError) {
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(fd, base + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .last("write", path: path)
            }
            offset += written
        }
    }

    /// Writes all of `bytes` to `fd` (see `writeAll(fd:_:path:)`).
    public static func writeAll(fd: Int32, _ bytes: [UInt8], path: String) throws(SystemError) {
        var failure: SystemError?
        bytes.withUnsafeBytes { buffer in
            do throws(SystemError) { try writeAll(fd: fd, buffer, path: path) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Reads `path` to EOF as UTF-8 text (invalid bytes replaced: for /proc and our own small records).
    public static func text(_ path: String, limit: Int = 64 << 20) throws(SystemError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }
}
