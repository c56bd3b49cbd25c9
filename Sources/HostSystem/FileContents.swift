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

    /// Reads an open descriptor to EOF (see `read(_:limit:)`).
    public static func read(fd: Int32, path: String, limit: Int = 64 << 20) throws(SystemError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer -> Int in
                var result: Int
                repeat { result = Glibc.read(fd, buffer.baseAddress, buffer.count) } while result < 0 && errno == EINTR
                return result
            }
            if count < 0 { throw .last("read", path: path) }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0..<count])
            if result.count > limit { throw SystemError("read", path: path, errno: EFBIG) }
        }
    }

    /// Reads `path` to EOF as UTF-8 text (invalid bytes replaced: for /proc and our own small records).
    public static func text(_ path: String, limit: Int = 64 << 20) throws(SystemError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }
}
