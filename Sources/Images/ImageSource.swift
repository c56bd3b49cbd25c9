import CArchive
import ContentDigest
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The files of an image to import, looked up by their path inside a layout directory or an archive.
protocol ImageSource {
    /// Where the import came from, for messages and the image record.
    var origin: String { get }
    /// The file at `path` inside the source, or nil.
    func file(_ path: String) -> URL?
    /// Whether the files are securerun's own copies (moved into the store) rather than the user's (copied).
    var ownsFiles: Bool { get }
    /// The names of the regular files directly inside `directory` (a path inside the source), sorted.
    func regularFiles(in directory: String) -> [String]
}

extension ImageSource {
    /// Reads a member that must exist.
    func read(_ path: String) throws(ImageError) -> Data {
        guard let url = file(path) else {
            throw .invalidImage(source: origin, reason: "it has no \(path)")
        }
        return try FS.read(url)
    }

    /// Reads a blob of an OCI layout and checks it against its descriptor.
    func blob(_ descriptor: Descriptor) throws(ImageError) -> Data {
        let data = try read("blobs/sha256/\(descriptor.digest.hex)")
        let actual = Digest.of(data)
        guard actual == descriptor.digest else {
            throw .digestMismatch(what: "blob \(descriptor.digest) in \(origin)", expected: descriptor.digest.description, actual: actual.description)
        }
        return data
    }
}

/// An OCI layout or docker-save tree on disk (the user's own directory).
struct DirectorySource: ImageSource {
    let directory: URL
    var origin: String { directory.path }
    var ownsFiles: Bool { false }

    func file(_ path: String) -> URL? {
        guard let parts = ArchiveSource.normalize(path) else { return nil }
        let url = parts.reduce(directory) { $0.appendingPathComponent($1) }
        return FS.exists(url) ? url : nil
    }

    func regularFiles(in path: String) -> [String] {
        guard let parts = ArchiveSource.normalize(path) else { return [] }
        let url = parts.reduce(directory) { $0.appendingPathComponent($1) }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { name in
            var info = stat()
            return lstat(url.appendingPathComponent(name).path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
        }.sorted()
    }
}

/// A tar (OCI archive or docker-save) whose regular files are copied out under our own names and whose
/// links are resolved inside the archive's namespace, so no host path from the archive is ever followed.
struct ArchiveSource: ImageSource {
    let archive: URL
    private var members: [String: URL] = [:]
    private var links: [String: String] = [:]
    var origin: String { archive.path }
    var ownsFiles: Bool { true }

    /// Reads the whole archive into `work` (files 0600), counting its entries and bytes against `limits`
    /// as they stream (a compressed archive is held to the expansion ratio like a layer).
    init(archive: URL, work: URL, limits: UnpackLimits) throws(ImageError) {
        self.archive = archive
        let reader = try ArchiveReader(url: archive)
        var budget = UnpackBudget(limits: limits)
        budget.startLayer("archive \(archive.path)", compressedBytes: try LayerUnpacker.fileSize(archive))
        var count = 0
        while let entry = try reader.next() {
            try budget.advance(to: reader.streamPosition)
            try budget.addEntry()
            let info = ArchiveEntryInfo(entry)
            guard let parts = Self.normalize(info.path) else {
                try reader.drainData(budget: &budget)
                continue
            }
            let path = parts.joined(separator: "/")
            if let target = info.hardlink {
                if let resolved = Self.normalize(target) { links[path] = resolved.joined(separator: "/") }
            } else if info.type == Glibc.S_IFLNK, let target = info.symlink {
                if let resolved = Self.normalize((parts.dropLast() + [target]).joined(separator: "/")) {
                    links[path] = resolved.joined(separator: "/")
                }
            } else if info.type == Glibc.S_IFREG {
                count += 1
                let out = work.appendingPathComponent("member-\(count)")
                let fd = try FS.check(open(out.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, FS.fileMode), "create", out.path)
                defer { close(fd) }
                try reader.readData { (buffer) throws(ImageError) in
                    try budget.advance(to: reader.streamPosition)
                    try FS.writeAll(fd, buffer, path: out.path)
                }
                members[path] = out
            } else {
                try reader.drainData(budget: &budget)
            }
        }
    }

    func file(_ path: String) -> URL? {
        guard var current = Self.normalize(path)?.joined(separator: "/") else { return nil }
        for _ in 0..<16 {
            if let url = members[current] { return url }
            guard let next = links[current] else { return nil }
            current = next
        }
        return nil
    }

    func regularFiles(in path: String) -> [String] {
        guard let parts = Self.normalize(path) else { return [] }
        let prefix = parts.joined(separator: "/") + "/"
        return members.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }.map { String($0.dropFirst(prefix.count)) }.sorted()
    }

    /// Whether the archive has a member at `path`.
    func has(_ path: String) -> Bool { file(path) != nil }

    /// Lexical path components with `.` removed and `..` applied; nil if it climbs above the top.
    static func normalize(_ path: String) -> [String]? {
        var parts: [String] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                guard parts.popLast() != nil else { return nil }
            } else {
                parts.append(String(part))
            }
        }
        return parts.isEmpty ? nil : parts
    }
}
