import CArchive
import ContentDigest
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One path of an unpacked rootfs: what the unpack record keeps and what `image check` compares.
struct RootfsEntry: Equatable {
    /// The file types a rootfs can hold; `other` (devices, sockets) never comes out of an unpack.
    enum Kind: String {
        case directory = "dir", file, symlink, fifo, other
    }

    /// Path components below the rootfs (empty for the rootfs itself), raw bytes: names need not be UTF-8.
    var components: [[UInt8]]
    var kind: Kind
    /// Permission bits, setuid/setgid/sticky included (`mode & 07777`).
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    /// Bytes, for regular files (0 otherwise).
    var size: Int64 = 0
    /// Lower-case hex SHA-256 of a regular file's content ("" otherwise).
    var sha256 = ""
    /// A symlink's target (empty otherwise).
    var target: [UInt8] = []
    /// Whether a regular file carries file capabilities (`security.capability`); an unpack never writes them.
    var capabilities = false
    /// Set by the walker on a path where another filesystem is mounted (not descended into).
    var mountPoint = false

    /// `/etc/passwd`, with bytes outside printable ASCII escaped as `%XX`.
    var displayPath: String { "/" + components.map(Self.escape).joined(separator: "/") }

    /// DFS order with siblings sorted bytewise: the order the walker visits and the record lists.
    static func precedes(_ lhs: [[UInt8]], _ rhs: [[UInt8]]) -> Bool {
        for (left, right) in zip(lhs, rhs) where left != right {
            return left.lexicographicallyPrecedes(right)
        }
        return lhs.count < rhs.count
    }

    // MARK: - Record lines

    /// `path TAB type TAB mode TAB uid TAB gid TAB size TAB sha256 TAB target`; the rootfs itself is `.`.
    var line: String {
        let path = components.isEmpty ? "." : components.map(Self.escape).joined(separator: "/")
        let fields = [
            path, kind.rawValue, Self.octal(mode), String(uid), String(gid), String(size), sha256, Self.escape(target),
        ]
        return fields.joined(separator: "\t")
    }

    /// Parses one record line; nil when it is malformed.
    init?(line: Substring) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 8, let kind = Kind(rawValue: String(fields[1])), let mode = UInt32(fields[2], radix: 8),
            let uid = UInt32(fields[3]), let gid = UInt32(fields[4]), let size = Int64(fields[5])
        else { return nil }
        var components: [[UInt8]] = []
        if fields[0] != "." {
            for part in fields[0].split(separator: "/", omittingEmptySubsequences: false) {
                guard let name = Self.unescape(part), !name.isEmpty else { return nil }
                components.append(name)
            }
        }
        guard let target = Self.unescape(fields[7]) else { return nil }
        self.init(components: components, kind: kind, mode: mode, uid: uid, gid: gid, size: size, sha256: String(fields[6]), target: target)
    }

    init(
        components: [[UInt8]], kind: Kind, mode: UInt32, uid: UInt32, gid: UInt32, size: Int64 = 0, sha256: String = "",
        target: [UInt8] = []
    ) {
        self.components = components
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.sha256 = sha256
        self.target = target
    }

    /// `mode` as four octal digits (String(format:) costs a locale-aware formatter per file).
    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func escape(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            if byte > 0x20 && byte < 0x7F && byte != 0x25 {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += String(format: "%%%02X", byte)
            }
        }
        return text
    }

    static func unescape(_ text: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == 0x25 else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }
}

/// The unpack record file: a header line, then one `RootfsEntry.line` per path in walk order.
enum RootfsRecord {
    static let header = "securerun unpack record 1"

    /// The entries of a record file's content, read one at a time; nil when it is not a record.
    static func entries(_ data: Data) -> Cursor? {
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == Substring(header), lines.last == "" else { return nil }
        lines.removeFirst()
        lines.removeLast()
        return Cursor(lines: lines)
    }

    /// Reads a record's entries in order, parsing each line only when it is reached, so checking a rootfs of
    /// half a million paths holds the record's text, not half a million parsed entries.
    struct Cursor {
        private let lines: [Substring]
        private var index = 0
        private var parsed: RootfsEntry?

        init(lines: [Substring]) { self.lines = lines }

        /// The current entry, nil at the end; throws on a malformed line.
        mutating func current() throws(ImageError) -> RootfsEntry? {
            if let parsed { return parsed }
            guard index < lines.count else { return nil }
            guard let entry = RootfsEntry(line: lines[index]) else {
                throw .invalidImage(source: "unpack record", reason: "line \(index + 2) is malformed")
            }
            parsed = entry
            return entry
        }

        /// Moves to the next entry.
        mutating func advance() {
            index += 1
            parsed = nil
        }
    }

    /// Walks the rootfs at `root` and writes its record to `file` (0600); returns the record's digest.
    static func write(rootfs root: DirectoryFD, displayPath: String, to file: URL) throws(ImageError) -> ContentDigest.Digest {
        let fd = try FS.check(open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, FS.fileMode), "create", file.path)
        defer { close(fd) }
        var hasher = SHA256()
        var pending = Data((header + "\n").utf8)
        try RootfsWalker(root: root, displayPath: displayPath).walk { (entry) throws(ImageError) in
            pending.append(contentsOf: Array((entry.line + "\n").utf8))
            if pending.count >= 1 << 16 {
                hasher.update(data: pending)
                try FS.writeAll(fd, pending, path: file.path)
                pending.removeAll(keepingCapacity: true)
            }
        }
        hasher.update(data: pending)
        try FS.writeAll(fd, pending, path: file.path)
        try FS.check(fsync(fd), "fsync", file.path)
        return ContentDigest.Digest(hex: hasher.finalize().hexString)
    }
}

/// Visits every path of a rootfs in `RootfsEntry.precedes` order, fd-relative from an open directory:
/// never following a symlink, never descending into another mount (statx mount ids), hashing regular
/// files through descriptors opened without following links and checked to be the inode just listed.
struct RootfsWalker {
    let root: DirectoryFD
    /// The rootfs path, for messages.
    let displayPath: String

    /// Calls `visit` for the rootfs itself and then for every path below it.
    func walk(_ visit: (RootfsEntry) throws(ImageError) -> Void) throws(ImageError) {
        var info = statx()
        try FS.check(csr_statx(root.fd, "", CSR_AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, UInt32(STATX_BASIC_STATS | STATX_MNT_ID), &info), "statx", displayPath)
        let entry = Self.entry([], info)
        try visit(entry)
        try walkDirectory(root, components: [], mount: info.stx_mnt_id, visit)
    }

    /// The mount id of the directory `fd`.
    static func mountID(_ fd: Int32, path: String) throws(ImageError) -> UInt64 {
        var info = statx()
        try FS.check(csr_statx(fd, "", CSR_AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, UInt32(STATX_MNT_ID), &info), "statx", path)
        return info.stx_mnt_id
    }

    private func walkDirectory(
        _ directory: DirectoryFD, components: [[UInt8]], mount: UInt64, _ visit: (RootfsEntry) throws(ImageError) -> Void
    ) throws(ImageError) {
        let directoryPath = displayPath + "/" + components.map(RootfsEntry.escape).joined(separator: "/")
        for name in try directory.rawNames(path: directoryPath).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let cName = name.map { CChar(bitPattern: $0) } + [0]
            let path = components + [name]
            let shown = displayPath + RootfsEntry(components: path, kind: .other, mode: 0, uid: 0, gid: 0).displayPath
            var info = statx()
            try FS.check(csr_statx(directory.fd, cName, AT_SYMLINK_NOFOLLOW, UInt32(STATX_BASIC_STATS | STATX_MNT_ID), &info), "statx", shown)
            var entry = Self.entry(path, info)
            if info.stx_mnt_id != mount {
                entry.mountPoint = true
                try visit(entry)
                continue
            }
            switch entry.kind {
            case .file:
                try hash(&entry, parent: directory, name: cName, info: info, path: shown)
                try visit(entry)
            case .symlink:
                entry.target = try Self.readLink(directory.fd, cName, path: shown)
                try visit(entry)
            case .directory:
                try visit(entry)
                let fd = try FS.check(openat(directory.fd, cName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open directory", shown)
                let child = DirectoryFD(fd: fd)
                try Self.expectSame(fd, info, path: shown)
                try walkDirectory(child, components: path, mount: mount, visit)
            case .fifo, .other:
                try visit(entry)
            }
        }
    }

    private static func entry(_ components: [[UInt8]], _ info: statx) -> RootfsEntry {
        let kind: RootfsEntry.Kind
        switch mode_t(info.stx_mode) & S_IFMT {
        case S_IFDIR: kind = .directory
        case S_IFREG: kind = .file
        case S_IFLNK: kind = .symlink
        case S_IFIFO: kind = .fifo
        default: kind = .other
        }
        return RootfsEntry(
            components: components, kind: kind, mode: UInt32(info.stx_mode) & 0o7777, uid: info.stx_uid, gid: info.stx_gid,
            size: kind == .file ? Int64(info.stx_size) : 0)
    }

    /// Fails when `fd` is not the inode `info` described (the path was swapped in between).
    private static func expectSame(_ fd: Int32, _ info: statx, path: String) throws(ImageError) {
        var opened = statx()
        try FS.check(csr_statx(fd, "", CSR_AT_EMPTY_PATH, UInt32(STATX_INO | STATX_TYPE), &opened), "statx", path)
        guard opened.stx_ino == info.stx_ino, opened.stx_dev_major == info.stx_dev_major, opened.stx_dev_minor == info.stx_dev_minor,
            opened.stx_mode & UInt16(Glibc.S_IFMT) == info.stx_mode & UInt16(Glibc.S_IFMT)
        else {
            throw .io(path: path, operation: "open (it changed while being read)", errno: EAGAIN)
        }
    }

    private func hash(_ entry: inout RootfsEntry, parent: DirectoryFD, name: [CChar], info: statx, path: String) throws(ImageError) {
        // O_NONBLOCK: a path swapped for a fifo must not hang the walk; expectSame then refuses it.
        let fd = try FS.check(openat(parent.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), "open", path)
        defer { close(fd) }
        try Self.expectSame(fd, info, path: path)
        var hasher = HashingCounter()
        let size = 128 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer, size)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", errno: errno)
            }
            hasher.update(UnsafeRawBufferPointer(start: buffer, count: count))
        }
        entry.size = hasher.count
        entry.sha256 = hasher.finalize().hex
        entry.capabilities = fgetxattr(fd, "security.capability", nil, 0) >= 0
    }

    private static func readLink(_ fd: Int32, _ name: [CChar], path: String) throws(ImageError) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(fd, name, &buffer, Int(PATH_MAX))
        guard count >= 0 else { throw .io(path: path, operation: "readlink", errno: errno) }
        return buffer[0..<count].map { UInt8(bitPattern: $0) }
    }
}
