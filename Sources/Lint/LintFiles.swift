import Foundation
import Glibc
import HostSystem
import Policy
import Yams

/// How lint reads what it is given. A CI job lints files a pull request controls, so nothing named can make
/// it wait or read the host: only regular files are read (a FIFO, device, socket or symbolic link named by
/// mistake or by an attacker is refused before it is opened), never a file of /proc, /sys or another kernel
/// filesystem (their files report size 0 and stream, or block: /proc/kmsg), opened O_NONBLOCK|O_NOFOLLOW,
/// read to the end, at most ``Linter/maxBytes``; directories walked without following symlinks.
public enum LintFiles {
    /// Why a file could not be read: one line naming the file, for the user.
    public struct Unreadable: Error, Sendable {
        /// One line for the user.
        public var reason: String
    }

    /// What a named path is.
    enum Entry {
        case file
        case directory
    }

    /// Extensions looked at inside a directory.
    static let extensions: Set<String> = ["json", "yaml", "yml", "sh"]

    /// Filesystems whose files are the kernel's, not data (their files report size 0 and stream or block).
    static let kernelFilesystems: Set<Substring> = [
        "proc", "sysfs", "debugfs", "tracefs", "securityfs", "cgroup", "cgroup2", "configfs", "efivarfs", "bpf", "pstore", "selinuxfs",
        "smackfs", "fusectl", "binfmt_misc", "devpts", "mqueue", "nsfs", "autofs", "rpc_pipefs", "nfsd",
    ]

    /// The devices (major, minor) of this process's mounts of kernel filesystems, from /proc/self/mountinfo
    /// (Glibc's module has no statfs). Empty when it cannot be read: O_NONBLOCK and the size limit still
    /// keep such a file from making lint wait.
    static let kernelDevices: Set<[UInt64]> = {
        let descriptor = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        guard let bytes = try? readAll(descriptor, limit: 16 << 20, waitWhenEmpty: false, { Unreadable(reason: $0) }) else { return [] }
        var devices: Set<[UInt64]> = []
        // `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw`: the device is field 3, the
        // filesystem type the first field after ` - `.
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 2, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count,
                kernelFilesystems.contains(fields[dash + 1])
            else { continue }
            let numbers = fields[2].split(separator: ":").compactMap { UInt64($0) }
            if numbers.count == 2 { devices.insert(numbers) }
        }
        return devices
    }()

    /// The megabytes of `bytes`, for messages (`8 MiB`).
    static func size(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    /// Whether `path` is a directory to walk or a file to read; what else it is, refused.
    static func entry(_ path: String) throws(Unreadable) -> Entry {
        var status = stat()
        guard lstat(path, &status) == 0 else { throw Unreadable(reason: "cannot read \(path): \(lastError())") }
        switch status.st_mode & S_IFMT {
        case S_IFDIR:
            try checkFilesystem(status) { Unreadable(reason: "cannot read \(path): \($0)") }
            return .directory
        case S_IFREG: return .file
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " to \($0)" } ?? ""
            throw Unreadable(reason: "cannot read \(path): it is a symbolic link\(target); lint follows no link it is given, name the file itself")
        default:
            throw Unreadable(reason: "cannot read \(path): it is \(kind(status.st_mode)), not a regular file; lint reads regular files only")
        }
    }

    /// The bytes of the regular file `path`, at most `limit` of them.
    static func read(_ path: String, limit: Int) throws(Unreadable) -> [UInt8] {
        func refuse(_ why: String) -> Unreadable { Unreadable(reason: "cannot read \(path): \(why)") }
        guard try entry(path) == .file else { throw refuse("it is a directory; name it alone to lint the files in it") }
        // O_NONBLOCK: a FIFO swapped in after the check above still cannot make open(2) or read(2) wait.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW)
        guard descriptor >= 0 else {
            if errno == ELOOP { throw refuse("it is a symbolic link; lint follows no link it is given, name the file itself") }
            throw refuse(lastError())
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw refuse(lastError()) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw refuse("it is \(kind(status.st_mode)), not a regular file; lint reads regular files only") }
        try checkFilesystem(status, refuse)
        guard Int(status.st_size) <= limit else {
            throw refuse("it is \(status.st_size) bytes, over the \(size(limit)) lint reads of one file; split it")
        }
        return try readAll(descriptor, limit: limit, waitWhenEmpty: false, refuse)
    }

    /// Standard input to its end, or why it cannot be read: a pipe, socket, terminal or regular file is
    /// read (waiting for input is what a pipe means); a kernel file or another device is refused.
    static func standardInput(limit: Int) throws(Unreadable) -> [UInt8] {
        func refuse(_ why: String) -> Unreadable { Unreadable(reason: "cannot read standard input: \(why)") }
        var status = stat()
        guard fstat(STDIN_FILENO, &status) == 0 else { throw refuse(lastError()) }
        switch status.st_mode & S_IFMT {
        case S_IFIFO, S_IFSOCK: break
        case S_IFREG: try checkFilesystem(status, refuse)
        case S_IFCHR where isatty(STDIN_FILENO) == 1: break
        default: throw refuse("it is \(kind(status.st_mode)); pipe a file in or name it")
        }
        return try readAll(STDIN_FILENO, limit: limit, waitWhenEmpty: true, refuse)
    }

    /// Standard input to its end, or nil when it cannot be read or is over ``Linter/maxBytes``.
    public static func readStandardInput() -> [UInt8]? {
        try? standardInput(limit: Linter.maxBytes)
    }

    static func checkFilesystem(_ status: stat, _ refuse: (String) -> Unreadable) throws(Unreadable) {
        let device = UInt64(status.st_dev)
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        if kernelDevices.contains([major, minor]) {
            throw refuse("it is on a kernel filesystem (/proc, /sys and the like), whose files stream or wait rather than end; lint reads regular files only")
        }
    }

    /// Reads to end of file. A regular file never says "would block"; when one does, it is not a file lint
    /// reads. Standard input (`waitWhenEmpty`) may have been left non-blocking by whoever made it: wait for it.
    static func readAll(_ descriptor: Int32, limit: Int, waitWhenEmpty: Bool, _ refuse: (String) -> Unreadable) throws(Unreadable) -> [UInt8] {
        do {
            return try FileContents.read(fd: descriptor, path: "", limit: limit, waitWhenEmpty: waitWhenEmpty)
        } catch {
            switch error.errno {
            case EFBIG: throw refuse("it is over the \(size(limit)) lint reads of one file; split it")
            case EAGAIN: throw refuse("a read would wait for data that may never come; lint reads regular files only")
            default: throw refuse(error.reason.lowercased())
            }
        }
    }

    /// `a FIFO`, `a character device`, … for messages.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFDIR: return "a directory"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    static func lastError() -> String {
        String(cString: strerror(errno)).lowercased()
    }

    // MARK: - Files a linted document names

    /// Why securerun must not be let read `path`, a file a linted document names (a profile a line names
    /// with `--profile`, the seccomp file a profile names), or nil: it is missing (the loader says so) or a
    /// regular file. Policy's readers open such files blocking, so a FIFO or /proc/kmsg named inside a
    /// file under review would hang lint; links are followed, as securerun run follows them.
    static func namedFileRefusal(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        guard status.st_mode & S_IFMT == S_IFREG else { return "\(path) is \(kind(status.st_mode)), not a regular file" }
        do {
            try checkFilesystem(status) { Unreadable(reason: $0) }
        } catch {
            return "\(path) is on a kernel filesystem (/proc, /sys and the like), whose files stream or wait rather than end"
        }
        return nil
    }

    /// Why the seccomp file the profile `root` (read from `file`) names must not be read, or nil.
    static func seccompRefusal(ofProfile root: Node, file: URL) -> String? {
        guard let text = root.at("seccomp")?.text, !text.isEmpty else { return nil }
        let path = text.hasPrefix("/") ? text : file.deletingLastPathComponent().appendingPathComponent(text).path
        return namedFileRefusal(path)
    }

    /// Why the profile at `path` (named by a line) or the seccomp file it names must not be read, or nil.
    static func profileRefusal(_ path: String) -> String? {
        if let refusal = namedFileRefusal(path) { return refusal }
        guard let bytes = try? read(followingLinks: path, limit: 1 << 20), let text = String(validating: bytes, as: UTF8.self),
            let root = try? BoundedYAML.composeAll(text, path: path).first
        else { return nil }
        return seccompRefusal(ofProfile: root, file: URL(fileURLWithPath: path))
    }

    /// A regular file's bytes, links followed (a file a document names, already vetted).
    static func read(followingLinks path: String, limit: Int) throws(Unreadable) -> [UInt8] {
        func refuse(_ why: String) -> Unreadable { Unreadable(reason: "cannot read \(path): \(why)") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else { throw refuse(lastError()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { throw refuse("not a regular file") }
        try checkFilesystem(status, refuse)
        return try readAll(descriptor, limit: limit, waitWhenEmpty: false, refuse)
    }

    /// The files under `directory` with a known extension, sorted, hidden entries, symlinks and kernel
    /// filesystems (a /proc mounted in a tree) skipped.
    static func walk(_ directory: String) -> [String] {
        var found: [String] = []
        var pending = [directory]
        while let current = pending.popLast() {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: current) else { continue }
            for name in entries.sorted() where !name.hasPrefix(".") {
                let path = current.hasSuffix("/") ? current + name : current + "/" + name
                var status = stat()
                guard lstat(path, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR where (try? checkFilesystem(status, { Unreadable(reason: $0) })) != nil: pending.append(path)
                case S_IFREG where extensions.contains(URL(fileURLWithPath: name).pathExtension.lowercased()): found.append(path)
                default: continue
                }
            }
        }
        return found.sorted()
    }
}
