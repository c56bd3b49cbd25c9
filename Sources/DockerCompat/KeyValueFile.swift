/// docker's `--env-file` and `--label-file` format (docker/cli `opts/file.go`): UTF-8 lines; a byte-order
/// mark is dropped from the first; leading whitespace is dropped, trailing whitespace and quotes are kept
/// (values are not unquoted); empty lines and lines starting with `#` are skipped; the name before `=` may
/// not be empty or contain spaces or tabs; a name without `=` takes the caller's value (`--env-file`) or
/// is left out (`--label-file`, and `--env-file` when the caller has none).
enum KeyValueFile {
    /// One kept line: `KEY=VALUE`, and its line number (from 1).
    struct Entry: Equatable {
        var text: String
        var line: Int
    }

    /// The longest line docker's scanner reads (bufio.Scanner's 64 KiB token limit).
    static let maxLineBytes = 64 * 1024

    static func parse(_ bytes: [UInt8], lookup: [String: String]?) throws(ValueError) -> [Entry] {
        var entries: [Entry] = []
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        var lineNumber = 0
        for rawLine in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard line.count <= maxLineBytes else { throw ValueError("line \(lineNumber) is longer than 64 KiB") }
            guard let text = String(validating: line, as: UTF8.self) else { throw ValueError("line \(lineNumber) is not valid UTF-8") }
            let trimmed = text.drop { $0.isWhitespace }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0]
            guard !key.isEmpty else { throw ValueError("line \(lineNumber) has no variable name before '='") }
            guard !key.contains(where: { $0 == " " || $0 == "\t" }) else { throw ValueError("line \(lineNumber): the name '\(key)' contains whitespace") }
            guard !trimmed.contains("\0") else { throw ValueError("line \(lineNumber) contains a NUL byte") }
            if parts.count == 2 {
                entries.append(Entry(text: String(trimmed), line: lineNumber))
            } else if let lookup, let value = lookup[String(key)] {
                entries.append(Entry(text: "\(key)=\(value)", line: lineNumber))
            }
        }
        // The last "line" after a final newline is empty and was skipped; the scanner ends there too.
        return entries
    }
}
