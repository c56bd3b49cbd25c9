import Foundation
import HostSystem

/// A detached container's output, in `<dir>/log` (and the previous part in `log.1`), one line per write
/// in the CRI log format Kubernetes uses: `TIMESTAMP STREAM P|F TEXT`, where the timestamp is RFC 3339
/// with nanoseconds, STREAM is `stdout` or `stderr`, and `P` marks a partial line (no newline yet).
/// The log is capped: past `maxBytes` it moves to `log.1` (replacing the older part) and starts again.
final class LogWriter: @unchecked Sendable {
    let directory: URL
    let maxBytes: Int
    private let lock = NSLock()
    private var fd: Int32
    private var size: Int

    /// Default cap per part: 10 MiB (20 MiB with the previous part).
    static let defaultMaxBytes = 10 << 20

    init(directory: URL, maxBytes: Int = LogWriter.defaultMaxBytes) throws(SystemError) {
        self.directory = directory
        self.maxBytes = maxBytes
        let path = directory.appendingPathComponent("log").path
        fd = try retryingOnInterrupt("open", path: path) { open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        var info = stat()
        size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }

    deinit { close(fd) }

    /// Appends one chunk of a stream's output, split into lines.
    func append(_ bytes: ArraySlice<UInt8>, stream: String, pending: inout [UInt8]) {
        var buffer = pending
        buffer.append(contentsOf: bytes)
        var lines: [(ArraySlice<UInt8>, Bool)] = []
        var start = 0
        for index in buffer.indices where buffer[index] == UInt8(ascii: "\n") {
            lines.append((buffer[start..<index], true))
            start = index + 1
        }
        var rest = Array(buffer[start...])
        // A long line without a newline is written as partial pieces, so memory stays bounded.
        if rest.count >= 16 << 10 {
            lines.append((rest[...], false))
            rest = []
        }
        pending = rest
        lock.withLock {
            for (line, full) in lines { write(line, stream: stream, full: full) }
        }
    }

    /// Writes what is left of a stream at its end as a partial line.
    func flush(stream: String, pending: inout [UInt8]) {
        guard !pending.isEmpty else { return }
        lock.withLock { write(pending[...], stream: stream, full: false) }
        pending.removeAll()
    }

    private func write(_ line: ArraySlice<UInt8>, stream: String, full: Bool) {
        var record = Array("\(Self.timestamp()) \(stream) \(full ? "F" : "P") ".utf8)
        record.append(contentsOf: line)
        record.append(UInt8(ascii: "\n"))
        if size + record.count > maxBytes && size > 0 { rotate() }
        var offset = 0
        while offset < record.count {
            let written = record[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
        size += record.count
    }

    private func rotate() {
        let current = directory.appendingPathComponent("log").path
        rename(current, directory.appendingPathComponent("log.1").path)
        let reopened = open(current, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if reopened >= 0 {
            close(fd)
            fd = reopened
            size = 0
        }
    }

    /// Now, RFC 3339 UTC with nanoseconds.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min,
            parts.tm_sec, now.tv_nsec)
    }
}

/// One line of a container log.
struct LogLine: Equatable {
    var timestamp: String
    var stream: String
    var full: Bool
    var text: ArraySlice<UInt8>

    /// Parses `TIMESTAMP STREAM P|F TEXT`; nil for anything else.
    init?(_ line: ArraySlice<UInt8>) {
        let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count >= 3, fields[2].count == 1 else { return nil }
        timestamp = String(decoding: fields[0], as: UTF8.self)
        stream = String(decoding: fields[1], as: UTF8.self)
        full = fields[2].first == UInt8(ascii: "F")
        text = fields.count == 4 ? fields[3] : []
        guard stream == "stdout" || stream == "stderr" else { return nil }
    }

    /// The text as the container wrote it (a full line gets its newline back).
    var bytes: [UInt8] { Array(text) + (full ? [UInt8(ascii: "\n")] : []) }
}

/// Reads a container's log: both parts, oldest first.
struct LogReader {
    let directory: URL

    /// Every line of `log.1` then `log`, and the size of `log` read (to follow from there).
    func lines() -> (lines: [LogLine], offset: Int, inode: UInt64) {
        var result: [LogLine] = []
        var offset = 0
        var inode: UInt64 = 0
        for part in ["log.1", "log"] {
            let path = directory.appendingPathComponent(part).path
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard let bytes = try? FileContents.read(fd: fd, path: path, limit: 64 << 20) else { continue }
            // Only complete lines count; following resumes right after the last newline read.
            let complete = bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            result += bytes[..<complete].split(separator: UInt8(ascii: "\n")).compactMap(LogLine.init)
            if part == "log" {
                offset = complete
                var info = stat()
                if fstat(fd, &info) == 0 { inode = UInt64(info.st_ino) }
            }
        }
        return (result, offset, inode)
    }
}
