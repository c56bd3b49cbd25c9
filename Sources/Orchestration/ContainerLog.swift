import Foundation
import HostSystem
import Runtime

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

    /// The cap per part: `maxBytes` when given (kept in `<dir>/log-cap`, so a monitor adopting the
    /// container keeps it), else the kept one, else the default.
    init(directory: URL, maxBytes: Int? = nil) throws(SystemError) {
        self.directory = directory
        let capFile = directory.appendingPathComponent("log-cap").path
        if let maxBytes {
            try? AtomicFile.write(Array("\(maxBytes)\n".utf8), to: capFile, durable: false)
            self.maxBytes = maxBytes
        } else if let text = try? FileContents.text(capFile, limit: 64), let kept = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), kept > 0 {
            self.maxBytes = kept
        } else {
            self.maxBytes = Self.defaultMaxBytes
        }
        let path = directory.appendingPathComponent("log").path
        fd = try retryingOnInterrupt("open", path: path) { open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        var info = stat()
        size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }

    deinit { close(fd) }

    /// Appends one chunk of a stream's output, split into lines. The lines of a chunk share one timestamp
    /// and go out in one write: a container printing empty lines must not cost a timestamp and a system
    /// call per byte it writes (its log copying is work done on its behalf, outside its own processes).
    func append(_ bytes: ArraySlice<UInt8>, stream: String, pending: inout [UInt8]) {
        var lines: [(ArraySlice<UInt8>, Bool)] = []
        var rest: ArraySlice<UInt8>
        if pending.isEmpty {
            rest = bytes
        } else {
            pending.append(contentsOf: bytes)
            rest = pending[...]
        }
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append((rest[rest.startIndex..<newline], true))
            rest = rest[(newline + 1)...]
        }
        // A long line without a newline is written as partial pieces, so memory stays bounded.
        if rest.count >= 16 << 10 {
            lines.append((rest, false))
            rest = []
        }
        lock.withLock { write(lines, stream: stream) }
        pending = Array(rest)
    }

    /// Writes what is left of a stream at its end as a partial line.
    func flush(stream: String, pending: inout [UInt8]) {
        guard !pending.isEmpty else { return }
        lock.withLock { write([(pending[...], false)], stream: stream) }
        pending.removeAll()
    }

    /// Writes `lines` as records with one timestamp, in as few writes as the rotation allows.
    private func write(_ lines: [(ArraySlice<UInt8>, Bool)], stream: String) {
        guard !lines.isEmpty else { return }
        let prefix = Array("\(Self.timestamp()) \(stream) ".utf8)
        var batch: [UInt8] = []
        batch.reserveCapacity(min(lines.reduce(0) { $0 + $1.0.count + prefix.count + 3 }, 1 << 20))
        for (line, full) in lines {
            let length = prefix.count + 3 + line.count
            if size + batch.count + length > maxBytes && size + batch.count > 0 {
                emit(batch)
                batch.removeAll(keepingCapacity: true)
                rotate()
            }
            batch.append(contentsOf: prefix)
            batch.append(full ? UInt8(ascii: "F") : UInt8(ascii: "P"))
            batch.append(UInt8(ascii: " "))
            batch.append(contentsOf: line)
            batch.append(UInt8(ascii: "\n"))
        }
        emit(batch)
    }

    private func emit(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { break }
            offset += written
        }
        size += bytes.count
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

    /// Now, RFC 3339 UTC with nanoseconds (`2024-05-01T12:00:00.000000001Z`), in the one format `logs
    /// --since/--until` compare with (`LogWindow.Instant.logTimestamp`).
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return LogWindow.Instant(seconds: Int64(now.tv_sec), nanoseconds: Int(now.tv_nsec)).logTimestamp
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
