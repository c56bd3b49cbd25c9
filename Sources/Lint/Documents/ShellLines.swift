/// A word of a shell command line, with the position of each of its characters in the file (quotes,
/// escapes and `\` line continuations removed), so a flag's offset inside a word maps back to the file.
struct ShellWord: Sendable {
    var text: String = ""
    var positions: [SourcePosition] = []
    var start: SourcePosition

    /// Where the character at `offset` came from (the word's start when past its end).
    func position(at offset: Int) -> SourcePosition {
        guard !positions.isEmpty else { return start }
        return positions[min(max(offset, 0), positions.count - 1)]
    }
}

/// One command: its words and the lines it spans.
struct ShellCommand: Sendable {
    var words: [ShellWord]
    var lines: ClosedRange<Int>
}

/// Splits shell-style text into commands the way sh reads words: single and double quotes, backslash
/// escapes, `\` at the end of a line continues the command, `#` at the start of a word comments out the rest
/// of the line, and newlines, `;`, `&&`, `||` and `|` end a command. Variables are not expanded.
enum ShellLines {
    static func split(_ text: String) -> [ShellCommand] {
        var commands: [ShellCommand] = []
        var words: [ShellWord] = []
        var word: ShellWord?
        var line = 1
        var column = 1
        var firstLine = 1
        var quote: Character?
        let characters = Array(text)
        var index = 0

        func here() -> SourcePosition { SourcePosition(line: line, column: column) }
        func append(_ character: Character, at position: SourcePosition) {
            if word == nil { word = ShellWord(start: position) }
            word?.text.append(character)
            word?.positions.append(position)
        }
        func endWord() {
            if let finished = word { words.append(finished) }
            word = nil
        }
        func endCommand() {
            endWord()
            if !words.isEmpty { commands.append(ShellCommand(words: words, lines: firstLine...max(firstLine, line))) }
            words = []
        }
        func advance(_ character: Character) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }

        while index < characters.count {
            let character = characters[index]
            let position = here()
            if words.isEmpty && word == nil && quote == nil { firstLine = line }
            if let open = quote {
                if character == open {
                    quote = nil
                    if word == nil { word = ShellWord(start: position) }
                } else if open == "\"", character == "\\", index + 1 < characters.count, "\"\\$`\n".contains(characters[index + 1]) {
                    advance(character)
                    let escaped = characters[index]
                    if escaped != "\n" { append(escaped, at: here()) }
                } else {
                    append(character, at: position)
                }
                advance(characters[index])
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                if word == nil { word = ShellWord(start: position) }
            case "\\":
                if index + 1 < characters.count {
                    advance(character)
                    let escaped = characters[index]
                    if escaped != "\n" { append(escaped, at: here()) }
                }
            case "#" where word == nil:
                while index < characters.count, characters[index] != "\n" { advance(characters[index]) }
                continue
            case " ", "\t", "\r":
                endWord()
            case "\n", ";":
                endCommand()
            case "&", "|":
                endCommand()
                if index + 1 < characters.count, characters[index + 1] == character { advance(character) }
            default:
                append(character, at: position)
            }
            advance(characters[index])
        }
        endCommand()
        return commands
    }
}
