/// One argument word as getopt-style commands (wrappers such as `sudo` and `env`, `docker compose run`) read
/// it while they still take options: the grammar's one reading, so every command that walks options stops
/// where the others do.
enum OptionWord: Equatable {
    /// `--`: options end; the next word is the first operand.
    case endOfOptions
    /// `-` or a word not starting with `-`: options end here.
    case operand
    /// `--name` or `--name=value`, with the name before any `=`.
    case long(String)
    /// `-abc`: one or more short options, the first that takes a value taking the rest.
    case shortCluster

    init(_ text: String) {
        if text == "--" {
            self = .endOfOptions
        } else if !text.hasPrefix("-") || text == "-" {
            self = .operand
        } else if text.hasPrefix("--") {
            self = .long(String(text.split(separator: "=", maxSplits: 1).first ?? ""))
        } else {
            self = .shortCluster
        }
    }
}

/// Walks the options at the front of a command's arguments as getopt reads them (``OptionWord``): `--`
/// ends them and is consumed; `-` or a word without a leading `-` ends them. `index` is then the first
/// operand.
struct OptionWalk {
    let words: ArraySlice<ShellWord>
    private(set) var index: Int

    init(_ words: ArraySlice<ShellWord>, from start: Int) {
        self.words = words
        index = start
    }

    /// The next option word and its reading (`.long` or `.shortCluster`), or nil where options end.
    mutating func next() -> (word: ShellWord, reading: OptionWord)? {
        guard index < words.endIndex else { return nil }
        let word = words[index]
        let reading = OptionWord(word.text)
        switch reading {
        case .endOfOptions:
            index += 1
            return nil
        case .operand:
            return nil
        case .long, .shortCluster:
            index += 1
            return (word, reading)
        }
    }

    /// The word after the current option (its value, when it takes one), if there is one.
    var following: ShellWord? { index < words.endIndex ? words[index] : nil }

    /// Takes the following word as the current option's value.
    mutating func takeValue() {
        if index < words.endIndex { index += 1 }
    }
}
