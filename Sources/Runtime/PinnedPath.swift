import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A host path opened once, component by component from `/`, without following any symbolic link:
/// the descriptor names the inode the policy judged, however the path is changed afterwards.
///
/// The policy resolves a volume's symlinks and checks the result; runc would resolve the path again
/// later, so whoever controls a directory on it could swap in a symlink to `/` in between. Mounting
/// through this descriptor closes that window.
final class PinnedPath {
    /// An O_PATH descriptor for the path's last component.
    let fd: Int32
    /// The absolute path that was opened.
    let path: String
    /// Whether it is a directory (the staging mount point must be one too).
    let isDirectory: Bool

    // glibc declares O_PATH only under _GNU_SOURCE; its value is the same on every Linux architecture.
    static let openPath: Int32 = 0o10_000_000

    private init(fd: Int32, path: String, isDirectory: Bool) {
        self.fd = fd
        self.path = path
        self.isDirectory = isDirectory
    }

    deinit { close(fd) }

    /// Opens the absolute, symlink-free `path` of `volume` (named in errors as `HOST:CONTAINER`).
    /// Refuses if any component is now a symbolic link, or if the opened file is no longer at `path`.
    static func open(_ path: String, volume: String) throws(RuntimeError) -> PinnedPath {
        guard path.hasPrefix("/") else { throw .volumeChanged(volume: volume, reason: "\(path) is not an absolute path") }
        let components = path.split(separator: "/").map(String.init)
        var current = Glibc.open("/", directoryFlags)
        guard current >= 0 else { throw .volumeChanged(volume: volume, reason: "cannot open /: \(errorText())") }
        var isDirectory = true
        var walked = ""
        for component in components {
            walked += "/" + component
            guard component != ".", component != ".." else {
                close(current)
                throw .volumeChanged(volume: volume, reason: "\(walked) is not a plain path component")
            }
            let next = openat(current, component, openPath | O_NOFOLLOW | O_CLOEXEC)
            let openError = errno
            close(current)
            guard next >= 0 else {
                throw .volumeChanged(volume: volume, reason: "cannot open \(walked): \(String(cString: strerror(openError)))")
            }
            var info = stat()
            guard fstat(next, &info) == 0 else {
                close(next)
                throw .volumeChanged(volume: volume, reason: "cannot stat \(walked): \(errorText())")
            }
            // With O_PATH|O_NOFOLLOW a symlink opens as itself rather than failing.
            if (info.st_mode & S_IFMT) == S_IFLNK {
                close(next)
                throw .volumeChanged(volume: volume, reason: "\(walked) is now a symbolic link")
            }
            isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            current = next
        }
        let pinned = PinnedPath(fd: current, path: path, isDirectory: isDirectory)
        // A component renamed while we walked leaves the descriptor somewhere else: the kernel's name for it says where.
        let actual = try pinned.currentPath(volume: volume)
        guard actual == (components.isEmpty ? "/" : "/" + components.joined(separator: "/")) else {
            throw .volumeChanged(volume: volume, reason: "\(path) is now \(actual)")
        }
        return pinned
    }

    /// The kernel's current path for the descriptor (readlink of /proc/self/fd/N).
    func currentPath(volume: String) throws(RuntimeError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard count >= 0 else {
            throw .volumeChanged(volume: volume, reason: "cannot read the opened path of \(path): \(Self.errorText())")
        }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static var directoryFlags: Int32 { openPath | O_DIRECTORY | O_CLOEXEC }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
