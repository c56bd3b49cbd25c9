import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An open directory file descriptor, closed in `deinit`.
final class DirectoryFD {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }

    /// Opens `url` as a directory without following a final symlink.
    convenience init(opening url: URL) throws(ImageError) {
        let fd = try FS.check(open(url.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open directory", url.path)
        self.init(fd: fd)
    }

    deinit { close(fd) }

    /// The names in this directory, without `.` and `..` (bytes that are not UTF-8 repaired, as
    /// `String(cString:)` does).
    func names(path: String) throws(ImageError) -> [String] {
        try rawNames(path: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The names in this directory as raw bytes (names need not be UTF-8), without `.` and `..`.
    func rawNames(path: String) throws(ImageError) -> [[UInt8]] {
        let copy = try FS.check(dup(fd), "dup", path)
        guard let dir = fdopendir(copy) else {
            close(copy)
            throw .io(path: path, operation: "opendir", errno: errno)
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var result: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw .io(path: path, operation: "readdir", errno: errno) }
                return result
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: UInt8.self, capacity: 256) { bytes in
                    Array(UnsafeBufferPointer(start: bytes, count: strlen(UnsafeRawPointer(bytes).assumingMemoryBound(to: CChar.self))))
                }
            }
            if name != [0x2E] && name != [0x2E, 0x2E] { result.append(name) }
        }
    }

    /// Removes `name` in this directory, recursively for directories, never following symlinks; missing is fine.
    func removeTree(_ name: String, path: String) throws(ImageError) {
        var info = stat()
        if fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) != 0 {
            if errno == ENOENT { return }
            throw .io(path: path, operation: "stat", errno: errno)
        }
        if info.st_mode & Glibc.S_IFMT == Glibc.S_IFDIR {
            let child = try FS.check(openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open directory", path)
            let childDir = DirectoryFD(fd: child)
            try childDir.removeChildren(path: path)
            try FS.check(unlinkat(fd, name, AT_REMOVEDIR), "remove directory", path)
        } else {
            try FS.check(unlinkat(fd, name, 0), "remove", path)
        }
    }

    /// Empties this directory.
    func removeChildren(path: String) throws(ImageError) {
        for name in try names(path: path) {
            try removeTree(name, path: path + "/" + name)
        }
    }
}
