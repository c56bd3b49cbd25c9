/// Where a run of a word's characters came from: the characters from `offset` on sit at consecutive
/// columns from `position`, until the next mark.
struct ShellMark: Sendable {
    var offset: Int
    var position: SourcePosition
}

/// A word of a shell command as the shell passes it on (quotes and escapes removed, `\` line continuations
/// joined), with where each character came from, so a flag's offset inside a word maps back to the file.
/// Expansions (`$VAR`, `$(…)`) stay as written: lint does not run anything.
struct ShellWord: Sendable {
    var text: String
    /// Where the first character came from.
    var start: SourcePosition
    /// Where later runs of characters start (after a quote, an escape, a continuation, a newline).
    var marks: [ShellMark] = []
    /// Characters in `text` (Unicode scalars).
    var length = 0
    /// The offset of the first character that was quoted, escaped or expanded; nil for a literal word (only
    /// a literal word can be a reserved word or an assignment's name).
    var firstQuoted: Int?
    /// Offsets where a command substitution begins that was read where the word was read: reading the word
    /// again as a script (`sh -c "…"`) leaves those to the first reading.
    var substitutions: [Int] = []

    var isLiteral: Bool { firstQuoted == nil }

    /// Where the character at `offset` came from (clamped to the word).
    func position(at offset: Int) -> SourcePosition {
        let offset = min(max(offset, 0), max(length - 1, 0))
        var low = 0
        var high = marks.count
        while low < high {
            let middle = (low + high) / 2
            if marks[middle].offset <= offset { low = middle + 1 } else { high = middle }
        }
        let (base, position) = low == 0 ? (0, start) : (marks[low - 1].offset, marks[low - 1].position)
        return SourcePosition(line: position.line, column: position.column + offset - base)
    }

    /// The word from character `offset` on (`-c` + `CMD` in `-cCMD`).
    func suffix(from offset: Int) -> ShellWord {
        guard offset > 0 else { return self }
        let characters = text.unicodeScalars
        var builder = ShellWordBuilder()
        for (index, scalar) in characters.enumerated() where index >= offset {
            builder.append(scalar, at: position(at: index))
        }
        var word = builder.build(at: position(at: offset))
        word.firstQuoted = firstQuoted.map { max($0 - offset, 0) }
        word.substitutions = substitutions.filter { $0 >= offset }.map { $0 - offset }
        return word
    }

    /// `words` joined by single spaces, as `eval` and `ssh` join their arguments before a shell reads them.
    static func joined(_ words: some Collection<ShellWord>) -> ShellWord? {
        guard let first = words.first else { return nil }
        var builder = ShellWordBuilder()
        var substitutions: [Int] = []
        var firstQuoted: Int?
        for (index, word) in words.enumerated() {
            if index > 0 { builder.append(" ", at: builder.next ?? word.start) }
            let base = builder.count
            if firstQuoted == nil, let quoted = word.firstQuoted { firstQuoted = base + quoted }
            substitutions += word.substitutions.map { base + $0 }
            for (offset, scalar) in word.text.unicodeScalars.enumerated() { builder.append(scalar, at: word.position(at: offset)) }
        }
        var word = builder.build(at: first.start)
        word.firstQuoted = firstQuoted
        word.substitutions = substitutions
        return word
    }
}

/// Builds a ``ShellWord`` one character at a time, marking where the positions jump. Text past
/// ``maxBytes`` is dropped (no argument is that long; it bounds what nested substitutions copy).
struct ShellWordBuilder {
    static let maxBytes = 64 << 10

    var bytes: [UInt8] = []
    var count = 0
    var start: SourcePosition?
    var marks: [ShellMark] = []
    /// Where the next character sits if it follows on.
    var next: SourcePosition?
    var firstQuoted: Int?
    var substitutions: [Int] = []

    var isEmpty: Bool { start == nil }

    /// Starts the word (an empty quoted word `''` is a word).
    mutating func begin(at position: SourcePosition) {
        if start == nil { start = position }
    }

    mutating func quoted() {
        if firstQuoted == nil { firstQuoted = count }
    }

    mutating func place(_ position: SourcePosition) {
        if start == nil {
            start = position
        } else if position != next {
            marks.append(ShellMark(offset: count, position: position))
        }
    }

    mutating func append(_ scalar: Unicode.Scalar, at position: SourcePosition) {
        place(position)
        if bytes.count < Self.maxBytes { bytes.append(contentsOf: String(scalar).utf8) }
        count += 1
        next = SourcePosition(line: position.line, column: position.column + 1)
    }

    /// Appends `source[range]` as one run starting at `position` (the text of a substitution).
    mutating func appendRaw(_ source: ArraySlice<UInt8>, at position: SourcePosition) {
        place(position)
        let room = max(0, Self.maxBytes - bytes.count)
        bytes.append(contentsOf: source.prefix(room))
        count += source.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        next = nil
    }

    /// Appends the bytes of one character (a lead byte and its continuation bytes).
    mutating func append(_ source: ArraySlice<UInt8>, at position: SourcePosition) {
        place(position)
        if bytes.count < Self.maxBytes { bytes.append(contentsOf: source) }
        count += 1
        next = SourcePosition(line: position.line, column: position.column + 1)
    }

    func build(at fallback: SourcePosition) -> ShellWord {
        ShellWord(
            text: String(decoding: bytes, as: UTF8.self), start: start ?? fallback, marks: marks, length: count, firstQuoted: firstQuoted,
            substitutions: substitutions)
    }
}

/// One simple command a shell would run: its words (assignments in front and redirections taken out)
/// and the lines it spans.
struct ShellCommand: Sendable {
    var words: [ShellWord]
    var assignments: [ShellWord]
    var lines: ClosedRange<Int>
    /// How many scripts deep it was found (0 in the file; 1 inside `sh -c '…'` there).
    var depth: Int
}

/// Who is told what a reader finds.
protocol ShellVisitor: AnyObject {
    /// A command the shell would run; returns whether it reads its standard input as a script (`sh`,
    /// `bash -s`, `ssh host`), which decides how a here-document given to it is read.
    func visit(_ command: ShellCommand) -> Bool
    /// Something the reader could not read as a shell would (an unclosed quote): the rest of the file
    /// means something else to a shell than to securerun.
    func problem(_ message: String, at position: SourcePosition)
}

/// Reads shell text the way a POSIX shell's grammar does, to find every command a shell would run:
/// words with single and double quotes, `\` escapes and continuations, `$'…'`, comments; commands after
/// `;`, `&`, `&&`, `||`, `|`, `|&`, newlines and the reserved words (`if`, `then`, `elif`, `else`, `while`,
/// `until`, `do`, `!`, `{`, `time`), in subshells `( … )`, in `case` branches and function bodies; the
/// commands inside `$( … )`, backquotes, `<( … )`, `${…}` and `$(( … ))`, also inside double quotes;
/// here-documents (read as a script when the command reading them is a shell, for their substitutions
/// when their delimiter is unquoted). Redirections, assignments in front of a command and `[[ … ]]` are
/// not commands. Variables and aliases are not expanded.
///
/// Cost is linear in the text: each byte is read once, except a substitution's text, which is copied into
/// the word holding it (at most ``ShellWordBuilder/maxBytes`` of it, per level of nesting, at most
/// ``maxDepth`` levels).
struct ShellReader {
    /// Nesting of substitutions, subshells and here-documents a reader follows.
    static let maxDepth = 64
    /// Words of one command securerun reads (a docker command has tens).
    static let maxWords = 10_000

    enum Closer {
        case end
        case paren
    }

    enum Mode {
        /// The next word is a command name, a reserved word or an assignment.
        case command
        /// Inside a simple command: words are arguments.
        case arguments
        /// After `fi`, `done`, `}`, `)`, `esac`, `]]`, `(( … ))`: only redirections and operators follow.
        case afterCompound
        case forName, forIn, forWords
        case caseWord, caseIn, casePattern
        case functionName
        /// Inside `[[ … ]]`.
        case conditional
    }

    enum Frame {
        case subshell
        case `case`
    }

    /// What a here-document's body is to the shell.
    enum HeredocUse {
        case script
        case expanding
        case literal
    }

    struct Heredoc {
        var delimiter: [UInt8]
        var quoted: Bool
        var stripTabs: Bool
        /// The command it was given to.
        var owner: Int
        var use: HeredocUse?
    }

    struct Cursor {
        var index: Int
        var line = 1
        var column = 1
        /// Characters read from the start of the source.
        var offset = 0
    }

    struct PendingCommand {
        var words: [ShellWord] = []
        var assignments: [ShellWord] = []
        var firstLine: Int?
        var lastLine = 0
        /// Which command of the reader this is (here-documents name it).
        var serial: Int
        /// The reader's problem count when it began: more at its end means it cannot be read.
        var problemsBefore: Int
        var tooLong = false
    }

    struct ScriptState {
        var mode: Mode = .command
        var stack: [Frame] = []
        var command: PendingCommand
        var afterTime = false
    }

    let bytes: [UInt8]
    var end: Int
    /// The word this text is (`sh -c WORD`), whose positions the reader's characters take; nil for a file.
    let origin: ShellWord?
    let visitor: any ShellVisitor
    let scriptDepth: Int
    var cursor: Cursor
    var depth = 0
    var silent = 0
    var stopped = false
    var heredocs: [Heredoc] = []
    var commandsBegun = 0
    /// Places the reader could not read; a command holding one is not run by a shell, nor judged.
    var problems = 0

    /// Reads `bytes` (UTF-8 shell text), telling `visitor` each command.
    static func read(_ bytes: [UInt8], visitor: any ShellVisitor) {
        var reader = ShellReader(bytes: bytes, end: bytes.count, origin: nil, visitor: visitor, scriptDepth: 0, cursor: Cursor(index: 0))
        reader.readScript(closer: .end, opened: SourcePosition(line: 1, column: 1))
    }

    /// Reads a word as a script (`sh -c WORD`, `eval WORDS`) found `depth` scripts deep.
    static func read(word: ShellWord, depth: Int, visitor: any ShellVisitor) {
        let bytes = Array(word.text.utf8)
        var reader = ShellReader(bytes: bytes, end: bytes.count, origin: word, visitor: visitor, scriptDepth: depth, cursor: Cursor(index: 0))
        reader.readScript(closer: .end, opened: word.start)
    }

    // MARK: - Characters

    var position: SourcePosition {
        if let origin { return origin.position(at: cursor.offset) }
        return SourcePosition(line: cursor.line, column: cursor.column)
    }

    func peek(_ ahead: Int = 0) -> UInt8? {
        let index = cursor.index + ahead
        return index < end ? bytes[index] : nil
    }

    static func length(of lead: UInt8) -> Int {
        if lead < 0x80 { return 1 }
        if lead >= 0xF0 { return 4 }
        if lead >= 0xE0 { return 3 }
        return lead >= 0xC0 ? 2 : 1
    }

    /// Moves past one byte, keeping line, column and character offset.
    mutating func advance() {
        let byte = bytes[cursor.index]
        cursor.index += 1
        if byte == 0x0A {
            cursor.line += 1
            cursor.column = 1
            cursor.offset += 1
        } else if byte & 0xC0 != 0x80 {
            cursor.column += 1
            cursor.offset += 1
        }
    }

    mutating func advance(_ count: Int) {
        for _ in 0..<count where cursor.index < end { advance() }
    }

    /// Appends the character at the cursor to `word` and moves past it.
    mutating func take(into word: inout ShellWordBuilder) {
        let here = position
        let count = min(Self.length(of: bytes[cursor.index]), end - cursor.index)
        word.append(bytes[cursor.index..<cursor.index + count], at: here)
        advance(count)
    }

    mutating func problem(_ message: String, at position: SourcePosition) {
        problems += 1
        if silent == 0 { visitor.problem(message, at: position) }
    }

    /// The length of a `\` line continuation at the cursor (a Windows line end counts as one), if there is one.
    func continuation() -> Int? {
        guard peek() == UInt8(ascii: "\\") else { return nil }
        if peek(1) == 0x0A { return 2 }
        if peek(1) == 0x0D, peek(2) == 0x0A { return 3 }
        return nil
    }

    /// Blanks and `\` line continuations between words.
    mutating func skipBlanks() {
        while let byte = peek() {
            if byte == 0x20 || byte == 0x09 || byte == 0x0D {
                advance()
            } else if let length = continuation() {
                advance(length)
            } else {
                return
            }
        }
    }

    // MARK: - Scripts

    /// Reads commands until the end (or, for `$(`, the `)` that closes it).
    mutating func readScript(closer: Closer, opened: SourcePosition) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else {
            problem("commands nest more than \(Self.maxDepth) levels deep here; securerun reads no further", at: opened)
            stopped = true
            return
        }
        var state = ScriptState(command: newCommand())
        while !stopped {
            skipBlanks()
            guard let byte = peek() else {
                finish(&state)
                if closer == .paren {
                    problem("the $( or <( opened here is never closed; a shell would not run this file as securerun reads it", at: opened)
                } else if let frame = state.stack.last {
                    problem(
                        "\(frame == .subshell ? "a ( subshell" : "a case") is still open at the end; a shell would refuse this script",
                        at: position)
                }
                return
            }
            switch byte {
            case UInt8(ascii: "\n"):
                finish(&state)
                advance()
                readHeredocBodies()
                switch state.mode {
                case .arguments, .afterCompound, .forWords, .forIn: state.mode = .command
                default: break
                }
            case UInt8(ascii: "#"):
                while let next = peek(), next != 0x0A { advance() }
            case UInt8(ascii: ")"):
                if state.mode == .casePattern, state.stack.last == .case {
                    advance()
                    state.mode = .command
                } else if state.mode == .conditional {
                    advance()
                } else if state.stack.last == .subshell {
                    finish(&state)
                    state.stack.removeLast()
                    advance()
                    state.mode = .afterCompound
                } else if closer == .paren, state.stack.isEmpty {
                    finish(&state)
                    advance()
                    return
                } else {
                    problem("this ) closes nothing; a shell would refuse this script", at: position)
                    finish(&state)
                    advance()
                    state.mode = .afterCompound
                }
            case UInt8(ascii: "("):
                openParenthesis(&state)
            case UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "<"), UInt8(ascii: ">"):
                if (byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")) && peek(1) == UInt8(ascii: "(") {
                    readWord(&state)
                } else {
                    readOperator(&state)
                }
            default:
                readWord(&state)
            }
        }
    }

    mutating func openParenthesis(_ state: inout ScriptState) {
        switch state.mode {
        case .conditional, .casePattern:
            advance()
        case .command where isEmptyParentheses():
            // `function name () { … }`: the parentheses of a definition.
            advance()
            skipBlanks()
            advance()
        case .command where peek(1) == UInt8(ascii: "("), .forName where peek(1) == UInt8(ascii: "("):
            // `(( … ))`, `for (( … ))`: arithmetic, whose `<<` is a shift and `)` no subshell.
            let opened = position
            advance(2)
            var scratch = ShellWordBuilder()
            scanArithmetic(opened: opened, into: &scratch)
            state.mode = .afterCompound
        case .arguments where state.command.words.count == 1 && state.command.assignments.isEmpty && isEmptyParentheses():
            // `name ()`: a function definition; its body (a compound command) follows.
            state.command.words = []
            advance()
            skipBlanks()
            advance()
            state.mode = .command
        default:
            finish(&state)
            state.stack.append(.subshell)
            advance()
            state.mode = .command
        }
    }

    func isEmptyParentheses() -> Bool {
        var index = cursor.index + 1
        while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        return index < end && bytes[index] == UInt8(ascii: ")")
    }

    mutating func readOperator(_ state: inout ScriptState) {
        let byte = bytes[cursor.index]
        let next = peek(1)
        if state.mode == .conditional {
            // Inside [[ … ]], &&, ||, < and > are the test's own.
            advance(next == byte && byte != UInt8(ascii: ";") ? 2 : 1)
            return
        }
        switch byte {
        case UInt8(ascii: ";"):
            if next == UInt8(ascii: ";") || next == UInt8(ascii: "&") {
                advance(2)
                if peek() == UInt8(ascii: "&") { advance() }
                finish(&state)
                state.mode = state.stack.last == .case ? .casePattern : .command
            } else {
                advance()
                finish(&state)
                if state.mode != .casePattern { state.mode = .command }
            }
        case UInt8(ascii: "|"):
            if state.mode == .casePattern {
                advance()
                return
            }
            advance(next == UInt8(ascii: "|") || next == UInt8(ascii: "&") ? 2 : 1)
            finish(&state)
            state.mode = .command
        case UInt8(ascii: "&"):
            if next == UInt8(ascii: ">") {
                readRedirection(&state)
                return
            }
            advance(next == UInt8(ascii: "&") ? 2 : 1)
            finish(&state)
            state.mode = .command
        default:
            readRedirection(&state)
        }
    }

    /// `<`, `>`, `>>`, `<>`, `>|`, `<&`, `>&`, `&>`, `&>>`, `<<<` and their target; `<<` and `<<-` with the
    /// delimiter of a here-document, whose body is read after the line ends.
    mutating func readRedirection(_ state: inout ScriptState) {
        let here = position
        var heredoc = false
        var stripTabs = false
        if peek() == UInt8(ascii: "<"), peek(1) == UInt8(ascii: "<") {
            if peek(2) == UInt8(ascii: "<") {
                advance(3)
            } else {
                heredoc = true
                advance(2)
                if peek() == UInt8(ascii: "-") {
                    stripTabs = true
                    advance()
                }
            }
        } else {
            advance()
            if let next = peek(), next == UInt8(ascii: ">") || next == UInt8(ascii: "&") || next == UInt8(ascii: "|") {
                advance()
                if next == UInt8(ascii: ">"), peek() == UInt8(ascii: ">") { advance() }
            }
        }
        state.command.firstLine = state.command.firstLine ?? here.line
        skipBlanks()
        guard let next = peek(), ![0x0A, UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: ")")].contains(next) else {
            problem("a redirection without a file; a shell would refuse this script", at: here)
            return
        }
        let target = readWordText()
        state.command.lastLine = max(state.command.lastLine, position.line)
        if heredoc {
            heredocs.append(
                Heredoc(delimiter: Array(target.text.utf8), quoted: !target.isLiteral, stripTabs: stripTabs, owner: state.command.serial, use: nil))
        }
    }

    /// Reads a word at the cursor and gives it its place in the command being read.
    mutating func readWord(_ state: inout ScriptState) {
        let word = readWordText()
        // `2>file`, `{fd}>file`: the number (or name) is the redirection's, not a word.
        if let next = peek(), next == UInt8(ascii: "<") || next == UInt8(ascii: ">"), word.isLiteral,
            !word.text.isEmpty, word.text.allSatisfy(\.isNumber) || (word.text.hasPrefix("{") && word.text.hasSuffix("}"))
        {
            return
        }
        let reserved = word.isLiteral ? word.text : ""
        if state.afterTime {
            state.afterTime = false
            if reserved == "-p" || reserved == "--" { return }
        }
        switch state.mode {
        case .command:
            switch reserved {
            case "if", "then", "else", "elif", "do", "while", "until", "{", "!":
                return
            case "time":
                state.afterTime = true
                return
            case "fi", "done", "}":
                state.mode = .afterCompound
            case "esac":
                if state.stack.last == .case { state.stack.removeLast() }
                state.mode = .afterCompound
            case "case":
                state.mode = .caseWord
            case "for", "select":
                state.mode = .forName
            case "function":
                state.mode = .functionName
            case "[[":
                state.mode = .conditional
            default:
                if Self.isAssignment(word) {
                    state.command.assignments.append(word)
                    note(word, in: &state.command)
                } else {
                    state.command.words = [word]
                    note(word, in: &state.command)
                    state.mode = .arguments
                }
            }
        case .arguments:
            if state.command.words.count < Self.maxWords {
                state.command.words.append(word)
            } else if !state.command.tooLong {
                state.command.tooLong = true
                problem("a command of more than \(Self.maxWords) words; securerun judges none that long", at: word.start)
            }
            note(word, in: &state.command)
        case .afterCompound, .forWords:
            break
        case .forName:
            state.mode = .forIn
        case .forIn:
            state.mode = reserved == "do" ? .command : .forWords
        case .caseWord:
            state.mode = .caseIn
        case .caseIn:
            state.stack.append(.case)
            state.mode = .casePattern
        case .casePattern:
            if reserved == "esac" {
                if state.stack.last == .case { state.stack.removeLast() }
                state.mode = .afterCompound
            }
        case .functionName:
            state.mode = .command
        case .conditional:
            if reserved == "]]" { state.mode = .afterCompound }
        }
    }

    func note(_ word: ShellWord, in command: inout PendingCommand) {
        command.firstLine = command.firstLine ?? word.start.line
        command.lastLine = max(command.lastLine, position.line, word.start.line)
    }

    /// `NAME=value` with an unquoted name.
    static func isAssignment(_ word: ShellWord) -> Bool {
        guard let equals = word.text.firstIndex(of: "="), equals != word.text.startIndex else { return false }
        let name = word.text[..<equals]
        let nameLength = name.unicodeScalars.count
        if let quoted = word.firstQuoted, quoted <= nameLength { return false }
        let trimmed = name.hasSuffix("+") ? name.dropLast() : name
        guard let first = trimmed.first, first.isLetter || first == "_" else { return false }
        return trimmed.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
    }

    /// Ends the simple command being read: tells the visitor, and decides how its here-documents read.
    mutating func finish(_ state: inout ScriptState) {
        let command = state.command
        state.command = newCommand()
        state.afterTime = false
        var readsScript = false
        if !command.words.isEmpty, silent == 0, command.problemsBefore == problems, let first = command.firstLine {
            readsScript = visitor.visit(
                ShellCommand(words: command.words, assignments: command.assignments, lines: first...max(first, command.lastLine), depth: scriptDepth))
        }
        for index in heredocs.indices where heredocs[index].owner == command.serial && heredocs[index].use == nil {
            heredocs[index].use = readsScript ? .script : (heredocs[index].quoted ? .literal : .expanding)
        }
    }

    mutating func newCommand() -> PendingCommand {
        commandsBegun += 1
        return PendingCommand(serial: commandsBegun, problemsBefore: problems)
    }

    // MARK: - Here-documents

    /// Reads the bodies of the here-documents of the line that just ended.
    mutating func readHeredocBodies() {
        guard !heredocs.isEmpty else { return }
        let pending = heredocs
        heredocs = []
        for heredoc in pending {
            let body = cursor
            var bodyEnd = cursor
            while true {
                guard cursor.index < end else {
                    bodyEnd = cursor
                    break
                }
                let lineStart = cursor
                var lineEnd = cursor.index
                while lineEnd < end, bytes[lineEnd] != 0x0A { lineEnd += 1 }
                var textStart = cursor.index
                if heredoc.stripTabs { while textStart < lineEnd, bytes[textStart] == 0x09 { textStart += 1 } }
                let matches = bytes[textStart..<lineEnd].elementsEqual(heredoc.delimiter)
                advance(min(lineEnd + 1, end) - cursor.index)
                if matches {
                    bodyEnd = lineStart
                    break
                }
            }
            let after = cursor
            let outerEnd = end
            cursor = body
            end = bodyEnd.index
            switch heredoc.use ?? .literal {
            case .script:
                readScript(closer: .end, opened: position)
            case .expanding:
                var scratch = ShellWordBuilder()
                scanExpanding(into: &scratch)
            case .literal:
                break
            }
            cursor = after
            end = outerEnd
        }
    }

    /// Text read as inside double quotes without the quotes (a here-document with an unquoted delimiter):
    /// only its substitutions run.
    mutating func scanExpanding(into scratch: inout ShellWordBuilder) {
        while let byte = peek(), !stopped {
            switch byte {
            case UInt8(ascii: "\\"): advance(2)
            case UInt8(ascii: "$"): readDollar(into: &scratch)
            case UInt8(ascii: "`"): readBackquote(into: &scratch)
            default: advance()
            }
        }
    }

    // MARK: - Words

    /// Reads one word: quotes, escapes and substitutions, up to an unquoted blank or operator.
    mutating func readWordText() -> ShellWord {
        let start = position
        var word = ShellWordBuilder()
        loop: while let byte = peek(), !stopped {
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: ")"):
                break loop
            case UInt8(ascii: "<"), UInt8(ascii: ">"):
                guard word.isEmpty, peek(1) == UInt8(ascii: "(") else { break loop }
                // <( … ): a process substitution, whose commands run.
                readSubstitution(into: &word, skip: 2)
            case UInt8(ascii: "("):
                // `@(a|b)` (extended glob) and `name=(a b)` (an array) keep their parentheses in the word.
                let text = String(decoding: word.bytes, as: UTF8.self)
                let array = word.firstQuoted == nil && text.hasSuffix("=") && Self.isAssignmentName(text.dropLast())
                guard Self.endsWithGlobOperator(word) || array else { break loop }
                readParenthesised(into: &word)
            case UInt8(ascii: "\\"):
                readBackslash(into: &word, inDoubleQuotes: false)
            case UInt8(ascii: "'"):
                readSingleQuoted(into: &word)
            case UInt8(ascii: "\""):
                readDoubleQuoted(into: &word)
            default:
                readExpansionOrByte(into: &word)
            }
        }
        return word.build(at: start)
    }

    static func endsWithGlobOperator(_ word: ShellWordBuilder) -> Bool {
        guard let last = word.bytes.last else { return false }
        return [UInt8(ascii: "@"), UInt8(ascii: "!"), UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: "?")].contains(last)
    }

    static func isAssignmentName(_ name: Substring) -> Bool {
        let trimmed = name.hasSuffix("+") ? name.dropLast() : name
        guard let first = trimmed.first, first.isLetter || first == "_" else { return false }
        return trimmed.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
    }

    /// `$…` and backquotes expand alike in a word and inside double quotes; any other byte is itself.
    mutating func readExpansionOrByte(into word: inout ShellWordBuilder) {
        switch peek() {
        case UInt8(ascii: "$"): readDollar(into: &word)
        case UInt8(ascii: "`"): readBackquote(into: &word)
        default: take(into: &word)
        }
    }

    /// A backslash: a line continuation vanishes; before a byte it escapes (any byte outside quotes; only
    /// `$`, backquote, `"` and backslash inside double quotes) it goes and the byte is taken quoted; else it
    /// is taken as itself.
    mutating func readBackslash(into word: inout ShellWordBuilder, inDoubleQuotes: Bool) {
        if let length = continuation() {
            advance(length)
            return
        }
        guard let next = peek(1), !inDoubleQuotes || [UInt8(ascii: "$"), UInt8(ascii: "`"), UInt8(ascii: "\""), UInt8(ascii: "\\")].contains(next)
        else {
            take(into: &word)
            return
        }
        if !inDoubleQuotes {
            word.quoted()
            word.begin(at: position)
        }
        advance()
        take(into: &word)
    }

    mutating func readSingleQuoted(into word: inout ShellWordBuilder) {
        let opened = position
        word.quoted()
        word.begin(at: opened)
        advance()
        while let byte = peek() {
            if byte == UInt8(ascii: "'") {
                advance()
                return
            }
            take(into: &word)
        }
        problem("the quote (') opened here is never closed; a shell would read the rest of the file as one string", at: opened)
    }

    mutating func readDoubleQuoted(into word: inout ShellWordBuilder) {
        let opened = position
        word.quoted()
        word.begin(at: opened)
        advance()
        while let byte = peek(), !stopped {
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                return
            case UInt8(ascii: "\\"):
                readBackslash(into: &word, inDoubleQuotes: true)
            default:
                readExpansionOrByte(into: &word)
            }
        }
        if !stopped { problem("the quote (\") opened here is never closed; a shell would read the rest of the file as one string", at: opened) }
    }

    /// `$(…)`, `$((…))`, `${…}`, `$'…'`, `$"…"`, `$NAME`.
    mutating func readDollar(into word: inout ShellWordBuilder) {
        let next = peek(1)
        word.quoted()
        if next == UInt8(ascii: "("), peek(2) == UInt8(ascii: "(") {
            let opened = position
            let start = cursor.index
            advance(3)
            scanArithmetic(opened: opened, into: &word, raw: start, at: opened)
        } else if next == UInt8(ascii: "(") {
            readSubstitution(into: &word, skip: 2)
        } else if next == UInt8(ascii: "{") {
            let opened = position
            let start = cursor.index
            advance(2)
            scanBraces(opened: opened)
            word.appendRaw(bytes[start..<cursor.index], at: opened)
        } else if next == UInt8(ascii: "'") {
            let opened = position
            word.begin(at: opened)
            advance(2)
            while let byte = peek() {
                if byte == UInt8(ascii: "'") {
                    advance()
                    return
                }
                if byte == UInt8(ascii: "\\"), peek(1) != nil { take(into: &word) }
                take(into: &word)
            }
            problem("the quote ($') opened here is never closed; a shell would read the rest of the file as one string", at: opened)
        } else if next == UInt8(ascii: "\"") {
            advance()
            readDoubleQuoted(into: &word)
        } else {
            take(into: &word)
        }
    }

    /// `$( … )` or `<( … )`: the commands inside are read (and run by the shell); the text stays in the word.
    mutating func readSubstitution(into word: inout ShellWordBuilder, skip: Int) {
        let opened = position
        let start = cursor.index
        let already = origin?.substitutions.contains(cursor.offset) ?? false
        word.quoted()
        word.substitutions.append(word.count)
        advance(skip)
        if already { silent += 1 }
        readScript(closer: .paren, opened: opened)
        if already { silent -= 1 }
        word.appendRaw(bytes[start..<cursor.index], at: opened)
    }

    /// `` `…` ``: the text up to the next unescaped backquote is a script of its own.
    mutating func readBackquote(into word: inout ShellWordBuilder) {
        let opened = position
        let start = cursor.index
        let already = origin?.substitutions.contains(cursor.offset) ?? false
        word.quoted()
        word.substitutions.append(word.count)
        var close = cursor.index + 1
        while close < end, bytes[close] != UInt8(ascii: "`") { close += bytes[close] == UInt8(ascii: "\\") ? 2 : 1 }
        guard close < end else {
            problem("the backquote (`) opened here is never closed; a shell would read the rest of the file as one command", at: opened)
            advance(end - cursor.index)
            return
        }
        advance()
        let outerEnd = end
        end = close
        if already { silent += 1 }
        readScript(closer: .end, opened: opened)
        if already { silent -= 1 }
        end = outerEnd
        if cursor.index < end { advance() }
        word.appendRaw(bytes[start..<cursor.index], at: opened)
    }

    /// Inside `$((…))`, `${…}` and `@(…)`: a substitution or quoted string is read whole (its problems
    /// found, its text dropped); a backslash passes over the byte after it; any other byte is passed over.
    mutating func skipInner() {
        var scratch = ShellWordBuilder()
        switch peek() {
        case UInt8(ascii: "$"): readDollar(into: &scratch)
        case UInt8(ascii: "`"): readBackquote(into: &scratch)
        case UInt8(ascii: "'"): readSingleQuoted(into: &scratch)
        case UInt8(ascii: "\""): readDoubleQuoted(into: &scratch)
        case UInt8(ascii: "\\"): advance(2)
        default: advance()
        }
    }

    /// To the `)` that closes a parenthesis already read (consumed), through nested ones, reading the
    /// substitutions inside; with `comments`, a `#` comments out the rest of its line. False when the file
    /// or the reading ends first.
    mutating func scanToClosingParenthesis(comments: Bool) -> Bool {
        var level = 0
        while let byte = peek(), !stopped {
            switch byte {
            case UInt8(ascii: "("):
                level += 1
                advance()
            case UInt8(ascii: ")"):
                advance()
                if level == 0 { return true }
                level -= 1
            case UInt8(ascii: "#") where comments:
                while let next = peek(), next != 0x0A { advance() }
            default: skipInner()
            }
        }
        return false
    }

    /// After `$((` or `((`: to the matching `))`, reading the substitutions inside.
    mutating func scanArithmetic(opened: SourcePosition, into word: inout ShellWordBuilder, raw start: Int? = nil, at rawPosition: SourcePosition? = nil) {
        if scanToClosingParenthesis(comments: false) {
            if peek() == UInt8(ascii: ")") { advance() }
            if let start, let rawPosition { word.appendRaw(bytes[start..<cursor.index], at: rawPosition) }
            return
        }
        if !stopped { problem("the (( opened here is never closed; a shell would not run this file as securerun reads it", at: opened) }
    }

    /// After `${`: to the matching `}`, reading the substitutions inside.
    mutating func scanBraces(opened: SourcePosition) {
        while let byte = peek(), !stopped {
            switch byte {
            case UInt8(ascii: "}"):
                advance()
                return
            default: skipInner()
            }
        }
        if !stopped { problem("the ${ opened here is never closed; a shell would not run this file as securerun reads it", at: opened) }
    }

    /// `@( … )` or `name=( … )`: kept in the word, substitutions inside read.
    mutating func readParenthesised(into word: inout ShellWordBuilder) {
        let opened = position
        let start = cursor.index
        word.quoted()
        advance()
        if scanToClosingParenthesis(comments: true) {
            word.appendRaw(bytes[start..<cursor.index], at: opened)
            return
        }
        if !stopped { problem("the ( opened here is never closed; a shell would not run this file as securerun reads it", at: opened) }
    }
}
