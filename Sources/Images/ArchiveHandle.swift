import CArchive
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A libarchive reader over one file, freed in `deinit`.
final class ArchiveReader {
    let handle: OpaquePointer
    let path: String

    /// Opens `url` as a tar (plain, gzip or zstd compressed), or as raw bytes when `raw` (to read the decompressed stream).
    init(url: URL, raw: Bool = false) throws(ImageError) {
        guard let handle = csr_archive_read_new() else {
            throw .archive(path: url.path, message: ArchiveLibrary.allocationFailure("a reader"))
        }
        self.handle = handle
        self.path = url.path
        csr_archive_read_support_filter_gzip(handle)
        csr_archive_read_support_filter_zstd(handle)
        if raw {
            csr_archive_read_support_format_raw(handle)
        } else {
            csr_archive_read_support_format_tar(handle)
            csr_archive_read_support_format_empty(handle)
        }
        guard csr_archive_read_open_filename(handle, url.path, 64 * 1024) == ARCHIVE_OK else {
            throw .archive(path: url.path, message: errorString)
        }
    }

    deinit { csr_archive_read_free(handle) }

    var errorString: String {
        csr_archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    /// The next entry, or nil at the end of the archive.
    func next() throws(ImageError) -> OpaquePointer? {
        var entry: OpaquePointer?
        let status = csr_archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        if status < ARCHIVE_WARN { throw .archive(path: path, message: errorString) }
        return entry
    }

    /// Bytes of the uncompressed stream read so far (what the tar reader has consumed).
    var streamPosition: Int64 { csr_archive_filter_bytes(handle, 0) }

    /// Reads and discards the rest of the current entry's data, counting the stream against `budget`
    /// block by block (libarchive's own skip would decompress it all before we could stop it).
    func drainData(budget: inout UnpackBudget) throws(ImageError) {
        try readData { (_) throws(ImageError) in try budget.advance(to: streamPosition) }
    }

    /// Streams the current entry's data to `sink` in blocks.
    func readData(_ sink: (UnsafeRawBufferPointer) throws(ImageError) -> Void) throws(ImageError) {
        let size = 128 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = csr_archive_read_data(handle, buffer, size)
            if count == 0 { return }
            if count < 0 { throw .archive(path: path, message: errorString) }
            try sink(UnsafeRawBufferPointer(start: buffer, count: count))
        }
    }
}

/// Entry fields read once into Swift values.
struct ArchiveEntryInfo {
    var path: String
    var type: mode_t
    var mode: mode_t
    var uid: Int64
    var gid: Int64
    var mtime: Int
    var mtimeNanos: Int
    var symlink: String?
    var hardlink: String?

    init(_ entry: OpaquePointer) {
        path = csr_archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        type = mode_t(csr_archive_entry_filetype(entry))
        mode = mode_t(csr_archive_entry_perm(entry))
        uid = csr_archive_entry_uid(entry)
        gid = csr_archive_entry_gid(entry)
        mtime = Int(csr_archive_entry_mtime(entry))
        mtimeNanos = csr_archive_entry_mtime_is_set(entry) != 0 ? Int(csr_archive_entry_mtime_nsec(entry)) : 0
        symlink = csr_archive_entry_symlink(entry).map { String(cString: $0) }
        hardlink = csr_archive_entry_hardlink(entry).map { String(cString: $0) }
    }
}

/// A libarchive writer to one file, freed in `deinit`.
final class ArchiveWriter {
    let handle: OpaquePointer
    let path: String

    private let fd: Int32

    /// A pax (restricted) tar writer, or a raw gzip writer when `gzipRaw`, to the new file `url` (0600).
    init(url: URL, gzipRaw: Bool) throws(ImageError) {
        // Our own descriptor: libarchive would create the file 0644.
        let fd = try FS.check(open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, FS.fileMode), "create", url.path)
        guard let handle = csr_archive_write_new() else {
            close(fd)
            throw .archive(path: url.path, message: ArchiveLibrary.allocationFailure("a writer"))
        }
        self.fd = fd
        self.handle = handle
        self.path = url.path
        if gzipRaw {
            csr_archive_write_add_filter_gzip(handle)
            csr_archive_write_set_format_raw(handle)
            // No timestamp in the gzip header: the same tar must give the same blob digest.
            csr_archive_write_set_filter_option(handle, "gzip", "timestamp", nil)
        } else {
            csr_archive_write_set_format_pax_restricted(handle)
        }
        guard csr_archive_write_open_fd(handle, fd) == ARCHIVE_OK else {
            throw .archive(path: url.path, message: errorString)
        }
    }

    deinit {
        csr_archive_write_free(handle)
        close(fd)
    }

    var errorString: String {
        csr_archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    func writeHeader(_ entry: OpaquePointer) throws(ImageError) {
        guard csr_archive_write_header(handle, entry) >= ARCHIVE_WARN else {
            throw .archive(path: path, message: errorString)
        }
    }

    func write(_ buffer: UnsafeRawBufferPointer) throws(ImageError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        guard csr_archive_write_data(handle, base, buffer.count) == buffer.count else {
            throw .archive(path: path, message: errorString)
        }
    }

    func finish() throws(ImageError) {
        guard csr_archive_write_close(handle) == ARCHIVE_OK else {
            throw .archive(path: path, message: errorString)
        }
    }
}

/// Reads a file in blocks without following a final symlink.
func readFileBlocks(_ url: URL, _ sink: (UnsafeRawBufferPointer) throws(ImageError) -> Void) throws(ImageError) {
    let fd = try FS.check(open(url.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), "open", url.path)
    defer { close(fd) }
    let size = 128 * 1024
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let count = read(fd, buffer, size)
        if count == 0 { return }
        if count < 0 {
            if errno == EINTR { continue }
            throw .io(path: url.path, operation: "read", errno: errno)
        }
        try sink(UnsafeRawBufferPointer(start: buffer, count: count))
    }
}

/// libarchive, opened on first use (see CArchive.h): why a reader, writer or entry could not be made.
enum ArchiveLibrary {
    static func allocationFailure(_ what: String) -> String {
        guard csr_archive_load() == 0 else {
            return "cannot load libarchive (\(String(cString: csr_archive_load_problem()))); install Debian's libarchive13"
        }
        return "libarchive could not allocate \(what)"
    }
}
