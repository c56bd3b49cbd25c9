import DockerCompat
import Foundation
import Policy

/// Shell-style word splitting for command lines written as people type them: whitespace separates words,
/// '…' and "…" quote, a backslash escapes the next character, and a backslash-newline continues the line.
enum ShellWords {
    static func split(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var chars = Array(line)[...]
        while let char = chars.popFirst() {
            if let open = quote {
                if char == open {
                    quote = nil
                } else if char == "\\", open == "\"", let next = chars.first, "\"\\$`".contains(next) {
                    current.append(next)
                    chars.removeFirst()
                } else {
                    current.append(char)
                }
                continue
            }
            switch char {
            case "'", "\"":
                quote = char
                inWord = true
            case "\\":
                guard let next = chars.popFirst() else { continue }
                if next != "\n" {
                    current.append(next)
                    inWord = true
                }
            case " ", "\t", "\n":
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(char)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}

/// Parsing helpers shared by the tests.
enum Parse {
    static let context = ParseContext(environment: ["HOME": "/home/alice", "USER": "alice"], workingDirectory: "/work/app", files: InMemoryFiles())

    /// Parses the words after `run`.
    static func run(_ arguments: [String], mode: GrammarMode = .securerunRun, context: ParseContext = context) throws(DockerCompatError) -> ParsedRun {
        try DockerRunParser.parse(arguments, mode: mode, context: context)
    }

    /// The parse error, or nil.
    static func error(_ arguments: [String], mode: GrammarMode = .securerunRun, context: ParseContext = context) -> DockerCompatError? {
        do {
            _ = try run(arguments, mode: mode, context: context)
            return nil
        } catch {
            return error
        }
    }
}
