import DockerCompat

/// A `docker run`-like command found in a file: which grammar it uses and its arguments after `run`.
struct RunCommand: Sendable {
    var mode: GrammarMode
    var arguments: [ShellWord]
    /// The word that names the subcommand (`run`), for problems without a flag.
    var verb: ShellWord
    var lines: ClosedRange<Int>
}

/// Finds `docker run`, `docker create`, `docker container run|create`, `podman run|create`, `securerun run` and
/// `securerun docker run|create` in shell text (after `sudo`, `exec` and `VAR=value` prefixes).
enum RunCommands {
    /// docker's global flags that take a value in the next word.
    static let valuedGlobalFlags: Set<String> = ["--context", "-c", "-H", "--host", "--config", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey"]

    static func find(in commands: [ShellCommand]) -> [RunCommand] {
        commands.compactMap(recognize)
    }

    static func recognize(_ command: ShellCommand) -> RunCommand? {
        var words = command.words[...]
        while let first = words.first, first.text == "sudo" || first.text == "exec" || first.text == "command" || isAssignment(first.text) {
            words = words.dropFirst()
        }
        guard let tool = words.first else { return nil }
        let name = tool.text.split(separator: "/").last.map(String.init) ?? tool.text
        words = words.dropFirst()
        if name == "securerun" {
            if words.first?.text == "run", let verb = words.first {
                return RunCommand(mode: .securerunRun, arguments: Array(words.dropFirst()), verb: verb, lines: command.lines)
            }
            guard words.first?.text == "docker" else { return nil }
            words = words.dropFirst()
        } else if name != "docker" && name != "podman" {
            return nil
        }
        // docker's global flags before the subcommand.
        while let flag = words.first, flag.text.hasPrefix("-") {
            words = words.dropFirst()
            if valuedGlobalFlags.contains(flag.text) { words = words.dropFirst() }
        }
        if words.first?.text == "container" { words = words.dropFirst() }
        guard let verb = words.first, verb.text == "run" || verb.text == "create" else { return nil }
        return RunCommand(mode: verb.text == "run" ? .dockerRun : .dockerCreate, arguments: Array(words.dropFirst()), verb: verb, lines: command.lines)
    }

    static func isAssignment(_ word: String) -> Bool {
        guard let equals = word.firstIndex(of: "="), equals != word.startIndex else { return false }
        return word[..<equals].allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
}
