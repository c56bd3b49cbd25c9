import ArgumentParser

/// An unknown subcommand (`securerun rnu`, `securerun image imprt`) answered with the nearest known one,
/// instead of argument-parser's "Unexpected argument". docker's own spellings of image commands
/// (`pull`, `images`, `rmi`) point to securerun's.
enum CommandSuggestion {
    /// docker's top-level commands that are `image …` here.
    static let dockerSpellings = [
        "pull": "image pull", "push": "image push", "images": "image ls", "rmi": "image rm", "import": "image import", "load": "image import",
        "save": "image save", "tag": "image tag",
    ]

    /// The one-line refusal for `arguments` when a word in a subcommand position names no subcommand, else nil.
    static func refusal(for arguments: [String]) -> String? {
        var command: any ParsableCommand.Type = SecurerunCommand.self
        var path: [String] = []
        for word in arguments {
            let configuration = command.configuration
            // A flag, a command without subcommands, or one whose default takes the words: argument-parser's to judge.
            guard !word.hasPrefix("-"), !configuration.subcommands.isEmpty, configuration.defaultSubcommand == nil else { return nil }
            let named = configuration.subcommands.map { ($0.configuration.commandName ?? "", $0) }
            if word == "help" { return nil }
            if let next = named.first(where: { $0.0 == word || $0.1.configuration.aliases.contains(word) }) {
                path.append(word)
                command = next.1
                continue
            }
            let typed = (path + [word]).joined(separator: " ")
            let visible = named.filter { $0.1.configuration.shouldDisplay }.map(\.0)
            let suggestion = path.isEmpty ? dockerSpellings[word] ?? nearest(word, in: visible) : nearest(word, in: visible)
            let help = "see 'securerun \((path + ["--help"]).joined(separator: " "))'"
            guard let suggestion else { return "unknown command '\(typed)' (\(help))" }
            let suggested = path.isEmpty ? suggestion : (path + [suggestion]).joined(separator: " ")
            return "unknown command '\(typed)'; did you mean '\(suggested)'? (\(help))"
        }
        return nil
    }

    /// The candidate closest to `word` within two edits (a swap of neighbours is one), or one it begins.
    static func nearest(_ word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= 2 && $0.1 < max($0.0.count, word.count) }
        if let best = scored.min(by: { $0.1 < $1.1 }) { return best.0 }
        return candidates.first { $0.hasPrefix(word) && word.count >= 2 }
    }

    /// Edit distance with adjacent transpositions (optimal string alignment).
    static func distance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs.lowercased()), b = Array(rhs.lowercased())
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}

extension SecurerunCommand {
    /// The one-line refusal for an unknown subcommand in `arguments` (with the nearest known one), else nil.
    public static func unknownCommandRefusal(_ arguments: [String]) -> String? {
        CommandSuggestion.refusal(for: arguments)
    }
}
