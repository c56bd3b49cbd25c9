import Foundation
import Glibc
import HostSystem
import StrictJSON

extension SeccompProfile {
    /// The most a seccomp profile file may hold and nest. Docker's default is about 20 KB and nests five
    /// levels (`syscalls[].args[]` objects); these bounds are far above any real profile and keep a hostile
    /// one from exhausting memory or the stack.
    public static let limits = JSONLimits(maxBytes: 4 << 20, maxDepth: 32)

    /// Reads a Docker-format seccomp profile. Errors name the file and, where decoding can tell, the
    /// field (`syscalls[3].action`) and its position.
    public static func load(contentsOf path: String) throws(SeccompError) -> SeccompProfile {
        try decode(try readProfileFile(path, limit: limits.maxBytes), source: path)
    }

    /// Decodes a Docker-format seccomp profile from JSON bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String) throws(SeccompError) -> SeccompProfile {
        try decodeJSON(SeccompProfile.self, from: data, source: source)
    }
}

extension LinuxSeccomp {
    /// Decodes an OCI runtime-spec `linux.seccomp` object; `source` names the bytes in errors.
    public static func decode(_ data: Data, source: String) throws(SeccompError) -> LinuxSeccomp {
        try decodeJSON(LinuxSeccomp.self, from: data, source: source)
    }
}

/// Decodes JSON through the strict parser (duplicate keys, invalid UTF-8, trailing bytes, and documents
/// over ``SeccompProfile/limits`` are refused) and names the file, field and position in every error.
func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data, source: String) throws(SeccompError) -> T {
    do {
        return try StrictJSONDecoder(limits: SeccompProfile.limits).decode(type, from: data)
    } catch let error as JSONError {
        throw SeccompError(json: error, source: source)
    } catch {
        throw .malformed(file: source, field: nil, reason: "\(error)")
    }
}

extension SeccompError {
    init(json error: JSONError, source: String) {
        switch error {
        case .decoding(let path, let position, let reason):
            let place = position.map { " (\($0))" } ?? ""
            self = .malformed(file: source, field: path.isEmpty ? nil : path, reason: reason + place)
        case .syntax, .duplicateKey, .tooLarge, .tooDeep:
            self = .malformed(file: source, field: nil, reason: error.description)
        }
    }
}

/// Reads `path` to its end, refusing more than `limit` bytes (a profile named `/dev/zero` or a huge file
/// must fail with a message, not fill memory).
func readProfileFile(_ path: String, limit: Int) throws(SeccompError) -> Data {
    // Never blocking: a FIFO, device or /proc file named as a seccomp profile is refused, not waited on.
    do { return Data(try FileContents.readRegular(path, limit: limit, followLinks: true)) } catch {
        switch error {
        case .notRegular:
            var status = stat()
            let directory = stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
            throw .unreadable(file: path, reason: directory ? "is a directory" : "not a regular file (a FIFO, device or socket is never read)")
        case .tooLarge:
            throw .malformed(file: path, field: nil, reason: "the file is larger than \(limit) bytes; a seccomp profile is a few kilobytes")
        case .system(let cause):
            let reason = cause.errno == ENOENT ? "no such file" : cause.errno == EAGAIN ? "it would block (not a plain file)" : cause.reason.lowercased()
            throw .unreadable(file: path, reason: reason)
        }
    }
}
