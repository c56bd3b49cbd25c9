import CArchive
import ContentDigest
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Packs a directory into one deterministic tar layer: entries sorted by path, ownership, modes,
/// whole-second mtimes, symlinks and hardlinks kept; no user/group names, atimes or ctimes,
/// so the same tree always gives the same bytes and digest.
struct LayerPacker {
    /// The rootfs directory to pack.
    let directory: URL

    /// Writes the uncompressed tar to `tar`; device nodes and sockets are left out (the runtime provides /dev).
    func writeTar(to tar: URL) throws(ImageError) {
        guard FS.isDirectory(directory) else {
            throw .io(path: directory.path, operation: "open rootfs directory", errno: ENOTDIR)
        }
        let writer = try ArchiveWriter(url: tar, gzipRaw: false)
        var firstPathOfInode: [String: String] = [:]
        try addChildren(of: "", writer: writer, hardlinks: &firstPathOfInode)
        try writer.finish()
    }

    private func addChildren(of relative: String, writer: ArchiveWriter, hardlinks: inout [String: String]) throws(ImageError) {
        let dirURL = relative.isEmpty ? directory : directory.appendingPathComponent(relative)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: dirURL.path)
        } catch {
            throw .io(path: dirURL.path, operation: "list directory", errno: EACCES)
        }
        // Byte order, not locale order, so the digest does not depend on the machine's locale.
        for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let path = relative.isEmpty ? name : relative + "/" + name
            let isDirectory = try addEntry(path, writer: writer, hardlinks: &hardlinks)
            if isDirectory {
                try addChildren(of: path, writer: writer, hardlinks: &hardlinks)
            }
        }
    }

    /// Adds one entry; returns whether it was a directory to descend into.
    private func addEntry(_ path: String, writer: ArchiveWriter, hardlinks: inout [String: String]) throws(ImageError) -> Bool {
        let url = directory.appendingPathComponent(path)
        var info = stat()
        try FS.check(lstat(url.path, &info), "lstat", url.path)
        let type = info.st_mode & Glibc.S_IFMT
        guard [Glibc.S_IFREG, Glibc.S_IFDIR, Glibc.S_IFLNK, Glibc.S_IFIFO].contains(type) else { return false }

        guard let entry = csr_archive_entry_new() else {
            throw .archive(path: url.path, message: ArchiveLibrary.allocationFailure("an entry"))
        }
        defer { csr_archive_entry_free(entry) }
        csr_archive_entry_copy_pathname(entry, path)
        csr_archive_entry_set_filetype(entry, UInt32(type))
        csr_archive_entry_set_perm(entry, info.st_mode & 0o7777)
        csr_archive_entry_set_uid(entry, Int64(info.st_uid))
        csr_archive_entry_set_gid(entry, Int64(info.st_gid))
        csr_archive_entry_set_mtime(entry, info.st_mtim.tv_sec, 0)

        switch type {
        case Glibc.S_IFLNK:
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(url.path, &buffer, Int(PATH_MAX))
            guard count >= 0 else { throw .io(path: url.path, operation: "readlink", errno: errno) }
            let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            csr_archive_entry_copy_symlink(entry, target)
            try writer.writeHeader(entry)
        case Glibc.S_IFREG:
            let inode = "\(info.st_dev):\(info.st_ino)"
            if info.st_nlink > 1, let first = hardlinks[inode] {
                csr_archive_entry_copy_hardlink(entry, first)
                csr_archive_entry_set_size(entry, 0)
                try writer.writeHeader(entry)
                return false
            }
            if info.st_nlink > 1 { hardlinks[inode] = path }
            csr_archive_entry_set_size(entry, Int64(info.st_size))
            try writer.writeHeader(entry)
            var written: Int64 = 0
            try readFileBlocks(url) { (buffer) throws(ImageError) in
                try writer.write(buffer)
                written += Int64(buffer.count)
            }
            guard written == Int64(info.st_size) else {
                throw .io(path: url.path, operation: "read (file changed while packing)", errno: EAGAIN)
            }
        default:
            try writer.writeHeader(entry)
        }
        return type == Glibc.S_IFDIR
    }

    /// Gzips `tar` into `output` (no timestamp or name in the gzip header).
    static func gzip(_ tar: URL, to output: URL) throws(ImageError) {
        var info = stat()
        try FS.check(stat(tar.path, &info), "stat", tar.path)
        let writer = try ArchiveWriter(url: output, gzipRaw: true)
        guard let entry = csr_archive_entry_new() else {
            throw .archive(path: tar.path, message: ArchiveLibrary.allocationFailure("an entry"))
        }
        defer { csr_archive_entry_free(entry) }
        csr_archive_entry_set_filetype(entry, UInt32(Glibc.S_IFREG))
        csr_archive_entry_set_size(entry, Int64(info.st_size))
        try writer.writeHeader(entry)
        try readFileBlocks(tar) { (buffer) throws(ImageError) in try writer.write(buffer) }
        try writer.finish()
    }

    /// The sha256 of the decompressed stream of a (possibly gzip or zstd compressed) layer: its diff_id.
    /// Only for layers securerun packed itself; a layer from outside goes through `diffID(of:name:budget:)`.
    static func diffID(of layer: URL) throws(ImageError) -> Digest {
        var budget = UnpackBudget(limits: UnpackLimits(maxImageBytes: .max, maxEntries: .max, maxExpansionRatio: .max, expansionAllowance: .max))
        return try diffID(of: layer, name: layer.lastPathComponent, budget: &budget)
    }

    /// The diff_id of `layer`, counting its decompressed bytes against `budget` as they stream, so a
    /// decompression bomb stops at the limit instead of being decompressed in full.
    static func diffID(of layer: URL, name: String, budget: inout UnpackBudget) throws(ImageError) -> Digest {
        budget.startLayer("layer \(name)", compressedBytes: try LayerUnpacker.fileSize(layer))
        let reader = try ArchiveReader(url: layer, raw: true)
        var hasher = HashingCounter()
        if try reader.next() != nil {
            try reader.readData { (buffer) throws(ImageError) in
                try budget.add(bytes: buffer.count)
                hasher.update(buffer)
            }
        }
        return hasher.finalize()
    }
}
