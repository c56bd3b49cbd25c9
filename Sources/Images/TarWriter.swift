import ContentDigest
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal ustar writer: regular files and directories owned by root (files 0644, directories 0755,
/// modification time 0), names up to 255 bytes (split at a `/` into ustar's prefix and name fields) and
/// sizes beyond ustar's 8 GiB in base-256 (GNU's extension, which Go's archive/tar and libarchive read).
/// Bytes go to a sink the caller gives (a request body, a file), so the same writer streams an image into
/// dockerd and writes `image save`'s archive. Every call is generic over the sink's error; the writer's
/// own failures (a name too long, a short or altered blob) are mapped through `failure`.
public enum TarWriter {
    /// The size of a tar block.
    static let block = 512

    /// Writes a regular file entry whose bytes are the file at `path`, which must be a regular file (never
    /// followed through a symlink) of exactly `size` bytes; with `digest`, its bytes must hash to it, so a
    /// corrupt blob is never passed on as if it were the image.
    public static func file<Failure: Error>(
        _ name: String, path: String, size: Int64, digest: Digest? = nil, failure: (ImageError) -> Failure,
        write: ([UInt8]) throws(Failure) -> Void
    ) throws(Failure) {
        let header: [UInt8]
        do { header = try Self.header(name, size: size, directory: false) } catch { throw failure(error) }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw failure(.io(path: path, operation: "open", errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw failure(.io(path: path, operation: "read", errno: EINVAL))
        }
        guard Int64(info.st_size) == size else {
            throw failure(.sizeMismatch(what: "stored blob \(path)", expected: size, actual: Int64(info.st_size)))
        }
        try write(header)
        var hasher = HashingCounter()
        var remaining = size
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while remaining > 0 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, Int(remaining))) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw failure(.sizeMismatch(what: "stored blob \(path)", expected: size, actual: size - remaining))
            }
            let bytes = Array(chunk[0..<count])
            if digest != nil { bytes.withUnsafeBytes { hasher.update($0) } }
            try write(bytes)
            remaining -= Int64(count)
        }
        if let digest, hasher.finalize() != digest {
            throw failure(
                .digestMismatch(what: "stored blob \(path)", expected: digest.description, actual: hasher.finalize().description))
        }
        try write(padding(size))
    }

    /// Writes a regular file entry holding `data`.
    public static func bytes<Failure: Error>(
        _ name: String, _ data: [UInt8], failure: (ImageError) -> Failure, write: ([UInt8]) throws(Failure) -> Void
    ) throws(Failure) {
        let header: [UInt8]
        do { header = try Self.header(name, size: Int64(data.count), directory: false) } catch { throw failure(error) }
        try write(header)
        try write(data)
        try write(padding(Int64(data.count)))
    }

    /// Writes a directory entry (`name` without the trailing `/`).
    public static func directory<Failure: Error>(
        _ name: String, failure: (ImageError) -> Failure, write: ([UInt8]) throws(Failure) -> Void
    ) throws(Failure) {
        let header: [UInt8]
        do { header = try Self.header(name + "/", size: 0, directory: true) } catch { throw failure(error) }
        try write(header)
    }

    /// Writes the two zero blocks that end an archive.
    public static func finish<Failure: Error>(write: ([UInt8]) throws(Failure) -> Void) throws(Failure) {
        try write([UInt8](repeating: 0, count: 2 * block))
    }

    /// The zero bytes that fill the last block of an entry of `size` bytes.
    static func padding(_ size: Int64) -> [UInt8] {
        let rest = Int(size % Int64(block))
        return rest == 0 ? [] : [UInt8](repeating: 0, count: block - rest)
    }

    /// The 512-byte ustar header of an entry.
    static func header(_ name: String, size: Int64, directory: Bool) throws(ImageError) -> [UInt8] {
        let (prefix, short) = try split(name)
        var header = [UInt8](repeating: 0, count: block)
        func put(_ bytes: some Sequence<UInt8>, at offset: Int, length: Int) {
            for (index, byte) in bytes.prefix(length).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int64, at offset: Int, length: Int) {
            let digits = String(value, radix: 8)
            put(Array((String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits).utf8), at: offset, length: length - 1)
        }
        put(Array(short.utf8), at: 0, length: 100)
        octal(directory ? 0o755 : 0o644, at: 100, length: 8)
        octal(0, at: 108, length: 8)
        octal(0, at: 116, length: 8)
        if size <= 0o77777777777 {
            octal(size, at: 124, length: 12)
        } else {
            // Base-256: the high bit of the first byte set, the value big-endian in the rest.
            header[124] = 0x80
            for index in 0..<8 { header[135 - index] = UInt8(truncatingIfNeeded: size >> (8 * index)) }
        }
        octal(0, at: 136, length: 12)
        header[156] = UInt8(ascii: directory ? "5" : "0")
        put(Array("ustar".utf8), at: 257, length: 6)
        put(Array("00".utf8), at: 263, length: 2)
        put(Array(prefix.utf8), at: 345, length: 155)
        for index in 148..<156 { header[index] = UInt8(ascii: " ") }
        let sum = header.reduce(0) { $0 + Int($1) }
        octal(Int64(sum), at: 148, length: 7)
        header[154] = 0
        header[155] = UInt8(ascii: " ")
        return header
    }

    /// `name` as ustar's (prefix, name): the name alone when it fits in 100 bytes, else split at the last
    /// `/` that leaves at most 155 bytes before it and 100 after.
    static func split(_ name: String) throws(ImageError) -> (prefix: String, name: String) {
        let bytes = Array(name.utf8)
        if bytes.count <= 100 { return ("", name) }
        for index in stride(from: min(bytes.count - 1, 155), through: 1, by: -1) where bytes[index] == UInt8(ascii: "/") {
            if bytes.count - index - 1 <= 100 && bytes.count - index - 1 > 0 {
                return (String(decoding: bytes[..<index], as: UTF8.self), String(decoding: bytes[(index + 1)...], as: UTF8.self))
            }
        }
        throw .archive(path: name, message: "the name is too long for a ustar header (at most 155 bytes of directories and 100 of name)")
    }
}
