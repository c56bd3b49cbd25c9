import Policy

/// One flag as it appeared on the command line.
struct FlagOccurrence: Sendable {
    var flag: DockerFlag
    /// The value, or nil for a boolean written without `=`.
    var value: String?
    var origin: FlagOrigin
}

/// The command line split the way docker's flag library (spf13/pflag, with interspersing off) splits it.
struct ScannedArguments: Sendable {
    var occurrences: [FlagOccurrence] = []
    var image: String?
    var imageIndex: Int?
    var command: [String] = []
}

/// docker's grammar: flags only before the image; `--flag=value` and `--flag value` (the next word is the
/// value even when it starts with `-`); short flags combined (`-itd`), with the value of the last one
/// attached (`-eFOO=bar`, `-p8080:80`, `-e=FOO`) or in the next word; booleans bare or `=BOOL`; `--` ends
/// the flags; `-` and the empty word are positional.
enum ArgumentScanner {
    static func scan(_ arguments: [String], table: FlagTable) throws(DockerCompatError) -> ScannedArguments {
        var result = ScannedArguments()
        var index = 0
        func takePositional(_ at: Int) {
            guard at < arguments.count else { return }
            result.image = arguments[at]
            result.imageIndex = at
            result.command = Array(arguments[(at + 1)...])
        }
        while index < arguments.count {
            let word = arguments[index]
            if word.isEmpty || !word.hasPrefix("-") || word == "-" {
                takePositional(index)
                return result
            }
            if word == "--" {
                takePositional(index + 1)
                return result
            }
            if word.hasPrefix("--") {
                index = try scanLong(word, at: index, arguments: arguments, table: table, into: &result)
            } else {
                index = try scanShort(word, at: index, arguments: arguments, table: table, into: &result)
            }
            index += 1
        }
        return result
    }

    /// Returns the index of the last word consumed.
    static func scanLong(
        _ word: String, at index: Int, arguments: [String], table: FlagTable, into result: inout ScannedArguments
    ) throws(DockerCompatError) -> Int {
        let body = word.dropFirst(2)
        if body.isEmpty || body.hasPrefix("-") || body.hasPrefix("=") {
            throw .badSyntax(FlagOrigin(flag: word, typed: word, index: index))
        }
        let parts = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        let spelling = "--" + name
        guard let flag = table.long(name) else {
            throw .unknownFlag(FlagOrigin(flag: spelling, typed: word, index: index))
        }
        if parts.count == 2 {
            result.occurrences.append(FlagOccurrence(flag: flag, value: String(parts[1]), origin: FlagOrigin(flag: spelling, typed: word, index: index)))
            return index
        }
        if flag.kind == .boolean {
            result.occurrences.append(FlagOccurrence(flag: flag, value: nil, origin: FlagOrigin(flag: spelling, typed: word, index: index)))
            return index
        }
        guard index + 1 < arguments.count else {
            throw .missingValue(FlagOrigin(flag: spelling, typed: word, index: index))
        }
        let value = arguments[index + 1]
        result.occurrences.append(
            FlagOccurrence(flag: flag, value: value, origin: FlagOrigin(flag: spelling, typed: "\(word) \(shown(value))", index: index)))
        return index + 1
    }

    /// A separate value as a refusal quotes it: an empty one as `""`, so `--hostname ""` reads as typed.
    static func shown(_ value: String) -> String { value.isEmpty ? "\"\"" : value }

    /// Returns the index of the last word consumed.
    static func scanShort(
        _ word: String, at index: Int, arguments: [String], table: FlagTable, into result: inout ScannedArguments
    ) throws(DockerCompatError) -> Int {
        let letters = Array(word.dropFirst())
        var position = 0
        while position < letters.count {
            let letter = letters[position]
            let spelling = "-\(letter)"
            let remaining = letters[position...]
            let offset = position + 1
            guard let flag = table.short(letter) else {
                throw .unknownShorthand(letter: letter, word: word, origin: FlagOrigin(flag: spelling, typed: spelling, index: index, offset: offset))
            }
            if remaining.count > 2, letters[position + 1] == "=" {
                // '-f=value'
                let value = String(letters[(position + 2)...])
                result.occurrences.append(
                    FlagOccurrence(flag: flag, value: value, origin: FlagOrigin(flag: spelling, typed: "\(spelling)=\(value)", index: index, offset: offset)))
                return index
            }
            if flag.kind == .boolean {
                result.occurrences.append(
                    FlagOccurrence(flag: flag, value: nil, origin: FlagOrigin(flag: spelling, typed: spelling, index: index, offset: offset)))
                position += 1
                continue
            }
            if remaining.count > 1 {
                // '-fvalue'
                let value = String(letters[(position + 1)...])
                result.occurrences.append(
                    FlagOccurrence(flag: flag, value: value, origin: FlagOrigin(flag: spelling, typed: "\(spelling)\(value)", index: index, offset: offset)))
                return index
            }
            guard index + 1 < arguments.count else {
                throw .missingValue(FlagOrigin(flag: spelling, typed: word, index: index, offset: offset))
            }
            let value = arguments[index + 1]
            result.occurrences.append(
                FlagOccurrence(flag: flag, value: value, origin: FlagOrigin(flag: spelling, typed: "\(spelling) \(shown(value))", index: index, offset: offset))
            )
            return index + 1
        }
        return index
    }
}
