/// Judges every container-starting command of a shell file as the reader finds it, so a file's cost is
/// its commands' and nothing is kept but the findings: the commands a shell would run, those behind
/// wrappers (`sudo`, `env`, `nohup`, `timeout`, …) and inside scripts given as words (`sh -c '…'`, `eval`).
final class RunLineCheck: ShellVisitor {
    /// How many scripts deep (`sh -c "sh -c '…'"`) lint follows.
    static let maxScriptDepth = 8

    let check: RequestCheck
    /// Relative paths on a line resolve here (the file's directory).
    let directory: String
    var sink: FindingSink
    /// Lines that belong together (a command continued over several), for suppressions.
    var groups = LineGroups()
    /// Container-starting commands found.
    var commands = 0
    /// Places the reader could not read as a shell would.
    var problems = 0

    init(check: RequestCheck, directory: String, sink: FindingSink) {
        self.check = check
        self.directory = directory
        self.sink = sink
    }

    func visit(_ command: ShellCommand) -> Bool {
        groups.add(command.lines)
        let resolved = CommandWrapper.resolve(command.words[...])
        for script in resolved.scripts {
            guard command.depth < Self.maxScriptDepth else {
                problem("scripts nest more than \(Self.maxScriptDepth) levels deep here (sh -c inside sh -c); securerun reads no further", at: script.start)
                continue
            }
            ShellReader.read(word: script, depth: command.depth + 1, visitor: self)
        }
        for words in resolved.commands {
            guard let recognized = RunCommands.recognize(words) else { continue }
            commands += 1
            switch recognized {
            case .invalid(let message, let position):
                sink.add(CommandLineInvalid.description, message, at: position)
            case .run(let run):
                check.check(
                    run.arguments.map(\.text), mode: run.mode, directory: directory,
                    place: { origin in
                        guard let index = origin.index, index < run.arguments.count else { return (run.verb.start, nil) }
                        return (run.arguments[index].position(at: origin.offset), nil)
                    }, fallback: (run.verb.start, nil), into: &sink)
            }
        }
        return resolved.readsScript
    }

    func problem(_ message: String, at position: SourcePosition) {
        problems += 1
        sink.add(DocumentUnparseable.description, message, at: position)
    }
}

/// Groups of lines that are one command (continued with `\`, or a quoted newline), kept as sorted disjoint
/// ranges; a line in none is a group of its own.
struct LineGroups {
    private var ranges: [ClosedRange<Int>] = []
    private var sealed = true

    mutating func add(_ lines: ClosedRange<Int>) {
        guard lines.count > 1 else { return }
        if let last = ranges.last, last.overlaps(lines) {
            ranges[ranges.count - 1] = min(last.lowerBound, lines.lowerBound)...max(last.upperBound, lines.upperBound)
        } else {
            if let last = ranges.last, last.lowerBound > lines.lowerBound { sealed = false }
            ranges.append(lines)
        }
    }

    /// Sorts and merges what came out of order (a command inside another's lines).
    mutating func seal() {
        guard !sealed else { return }
        sealed = true
        var merged: [ClosedRange<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, last.overlaps(range) {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        ranges = merged
    }

    /// The group `line` belongs to.
    func span(_ line: Int) -> ClosedRange<Int> {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < line { low = middle + 1 } else { high = middle }
        }
        return low < ranges.count && ranges[low].contains(line) ? ranges[low] : line...line
    }
}
