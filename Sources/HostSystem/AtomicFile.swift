#if canImport(Glibc)
    import Glibc
#endif

/// Whole-file writes that readers see entirely or not at all.
public enum AtomicFile {
    /// Writes `bytes` to a temporary file beside `path` (mode 0600) and renames it over `path`; with
    /// `durable`, fsyncs it first (a detached container's record must survive a crash; a foreground one is
    /// removed when its securerun ends, so the start path does not pay for a disk flush).
    public static func write(_ bytes: [UInt8], to path: String, durable: Bool = true) throws(SystemError) {
        var generator = SystemRandomNumberGenerator()
        let temp = path + ".tmp-" + HexText.encode((0..<6).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let fd = try retryingOnInterrupt("open", path: temp) { open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        do { try FileContents.writeAll(fd: fd, bytes, path: temp) } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        if durable, fsync(fd) != 0 {
            let error = SystemError.last("fsync", path: temp)
            close(fd)
            unlink(temp)
            throw error
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            let error = SystemError.last("rename", path: path)
            unlink(temp)
            throw error
        }
    }
}
