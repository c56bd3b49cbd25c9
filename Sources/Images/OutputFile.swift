import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file securerun writes for the user (`image save -o FILE`), atomically: the bytes go to a new
/// temporary file (created exclusively, mode 0600, never through a symlink) in FILE's directory, which
/// `commit()` fsyncs and moves to FILE; until then FILE is untouched, and a failure removes the
/// temporary file. An existing FILE is refused unless `replace` is given (then it must be a regular file,
/// never a symlink or a directory), and the refusal holds even against a FILE created while the bytes
/// were written: without `replace` the move is a hard link, which never replaces anything.
///
/// The mode is 0600 whatever the umask, as `docker save -o` writes it: the store is root-only and an
/// image may hold secrets, so the copy starts as private as the original; `chmod` widens it on purpose.
final class OutputFile {
    /// FILE as given.
    let destination: URL
    private let directory: DirectoryFD
    private let name: String
    private let temporary: String
    private let fd: Int32
    private let replace: Bool
    private var committed = false

    /// Checks FILE (absent, or with `replace` a regular file) and creates the temporary file beside it.
    init(_ destination: URL, replace: Bool = false) throws(ImageError) {
        self.destination = destination
        self.replace = replace
        let path = destination.path
        let name = destination.lastPathComponent
        guard !path.isEmpty, !path.hasSuffix("/"), !name.isEmpty, name != ".", name != ".." else {
            throw .outputRefused(path: path, reason: "it names a directory, not a file")
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFLNK: throw .outputRefused(path: path, reason: "it is a symbolic link, which securerun does not write through; give the real path")
            case S_IFDIR: throw .outputRefused(path: path, reason: "it is a directory; give a file name inside it")
            case S_IFREG where !replace:
                throw .outputRefused(path: path, reason: Self.existsReason)
            case S_IFREG: break
            default: throw .outputRefused(path: path, reason: "it exists and is not a regular file")
            }
        } else if errno != ENOENT {
            throw .io(path: path, operation: "inspect", errno: errno)
        }
        let parent = destination.deletingLastPathComponent()
        let parentFD = open(parent.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parentFD >= 0 else { throw .io(path: parent.path, operation: "open directory", errno: errno) }
        directory = DirectoryFD(fd: parentFD)
        self.name = name
        temporary = ".securerun-save-\(FS.randomSuffix()).tmp"
        let created = openat(parentFD, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FS.fileMode)
        guard created >= 0 else { throw .io(path: path, operation: "create", errno: errno) }
        fd = created
    }

    deinit {
        close(fd)
        if !committed { unlinkat(directory.fd, temporary, 0) }
    }

    /// Appends `bytes`.
    func write(_ bytes: [UInt8]) throws(ImageError) {
        try FS.writeAll(fd, bytes, path: destination.path)
    }

    /// Why an existing FILE is refused without `replace`.
    static let existsReason = "it exists; remove it or give --force to replace it"

    /// Flushes the file to disk and moves it to FILE (and flushes the directory), so FILE is absent, the
    /// old file or the whole new one, never a part.
    func commit() throws(ImageError) {
        try FS.check(fsync(fd), "fsync", destination.path)
        if replace {
            try FS.check(renameat(directory.fd, temporary, directory.fd, name), "rename into place", destination.path)
        } else {
            // linkat fails with EEXIST where renameat would silently replace a FILE that appeared meanwhile.
            guard linkat(directory.fd, temporary, directory.fd, name, 0) == 0 else {
                if errno == EEXIST { throw .outputRefused(path: destination.path, reason: Self.existsReason) }
                throw .io(path: destination.path, operation: "link into place", errno: errno)
            }
            unlinkat(directory.fd, temporary, 0)
        }
        committed = true
        fsync(directory.fd)
    }
}
