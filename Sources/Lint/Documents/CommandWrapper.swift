/// What one simple command runs once the commands in front of it that run another are read past (`sudo`,
/// `env VAR=x`, `nohup`, `time`, `exec`, `command`, `nice`, `timeout`, `xargs`, `find -exec`, …), and
/// the words a shell runs as a script (`sh -c '…'`, `eval …`, `su -c '…'`, `ssh host '…'`, `watch '…'`,
/// `trap '…' EXIT`).
struct ResolvedCommand {
    /// The commands run, each as its words from the command name on.
    var commands: [ArraySlice<ShellWord>] = []
    /// Words a shell reads as a script.
    var scripts: [ShellWord] = []
    /// Whether the command reads its standard input as a script (`sh`, `bash -s`, `ssh host`).
    var readsScript = false
}

/// How a command that runs another reads its own options.
struct CommandWrapper {
    /// Options that take the next word as their value (`-u USER`); `--opt=value` and `-uUSER` need none.
    var valued: Set<String> = []
    /// Options after which nothing is run (`command -v`, `sudo -l`).
    var noCommand: Set<String> = []
    /// Options whose value is a shell script (`su -c`, `flock -c`, `env -S`).
    var script: Set<String> = []
    /// Words between the options and the command (`timeout DURATION`, `chroot NEWROOT`).
    var operands = 0
    /// Whether `NAME=value` words may come before the command (`env`).
    var assignments = false

    /// Every wrapper lint reads past.
    static let all: [String: CommandWrapper] = [
        "sudo": CommandWrapper(
            valued: [
                "-u", "--user", "-g", "--group", "-h", "--host", "-p", "--prompt", "-C", "--close-from", "-D", "--chdir", "-r", "--role", "-t",
                "--type", "-U", "--other-user", "-T", "--command-timeout", "-R", "--chroot",
            ],
            noCommand: ["-e", "--edit", "-l", "--list", "-v", "--validate", "-V", "--version", "-K", "--remove-timestamp"]),
        "doas": CommandWrapper(valued: ["-u", "-C"], noCommand: ["-L"]),
        "env": CommandWrapper(valued: ["-u", "--unset", "-C", "--chdir"], script: ["-S", "--split-string"], assignments: true),
        "nohup": CommandWrapper(),
        "time": CommandWrapper(valued: ["-f", "--format", "-o", "--output"]),
        "exec": CommandWrapper(valued: ["-a"]),
        "command": CommandWrapper(noCommand: ["-v", "-V"]),
        "builtin": CommandWrapper(),
        "nice": CommandWrapper(valued: ["-n", "--adjustment"]),
        "ionice": CommandWrapper(valued: ["-c", "--class", "-n", "--classdata"], noCommand: ["-p", "--pid", "-P", "--pgid", "-u", "--uid"]),
        "timeout": CommandWrapper(valued: ["-s", "--signal", "-k", "--kill-after"], operands: 1),
        "setsid": CommandWrapper(),
        "stdbuf": CommandWrapper(valued: ["-i", "-o", "-e", "--input", "--output", "--error"]),
        "chrt": CommandWrapper(
            valued: ["-T", "--sched-runtime", "-P", "--sched-period", "-D", "--sched-deadline"], noCommand: ["-p", "--pid", "-m", "--max"],
            operands: 1),
        "taskset": CommandWrapper(noCommand: ["-p", "--pid"], operands: 1),
        "flock": CommandWrapper(valued: ["-w", "--wait", "--timeout", "-E", "--conflict-exit-code"], script: ["-c", "--command"], operands: 1),
        "chroot": CommandWrapper(valued: ["--userspec", "--groups"], operands: 1),
        "nsenter": CommandWrapper(valued: ["-t", "--target", "-S", "--setuid", "-G", "--setgid"]),
        "unshare": CommandWrapper(valued: ["-S", "--setuid", "-G", "--setgid", "-R", "--root", "-w", "--wd", "--map-user", "--map-group"]),
        "systemd-run": CommandWrapper(
            valued: [
                "-p", "--property", "-u", "--unit", "-E", "--setenv", "--uid", "--gid", "--nice", "--working-directory", "-M", "--machine",
                "-H", "--host", "--description", "--slice", "--on-active", "--on-boot", "--on-startup", "--on-unit-active",
                "--on-unit-inactive", "--on-calendar", "--timer-property", "--path-property", "--socket-property", "--service-type",
            ]),
        "xargs": CommandWrapper(
            valued: [
                "-a", "--arg-file", "-d", "--delimiter", "-E", "--eof", "-I", "--replace", "-L", "--max-lines", "-n", "--max-args", "-P",
                "--max-procs", "-s", "--max-chars", "--process-slot-var",
            ]),
        "runuser": CommandWrapper(valued: ["-u", "--user", "-g", "--group", "-G", "--supp-group", "-s", "--shell"], script: ["-c", "--command"]),
        "su": CommandWrapper(
            valued: ["-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w", "--whitelist-environment"], script: ["-c", "--command"]),
        "sg": CommandWrapper(script: ["-c"]),
        "watch": CommandWrapper(valued: ["-n", "--interval", "-q", "--equexit"]),
    ]

    /// Shells: `-c WORD` runs WORD; with no operand (or `-s`) they read standard input as a script.
    static let shells: Set<String> = ["sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "hush", "posh", "yash"]

    /// ssh's options that take a value: what follows them and the host is a command for a remote shell.
    static let sshValued: Set<String> = [
        "-B", "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w",
    ]

    /// How many wrappers deep lint follows one command.
    static let maxWrappers = 32

    /// What `words` (a simple command, assignments taken out) runs.
    static func resolve(_ words: ArraySlice<ShellWord>) -> ResolvedCommand {
        var result = ResolvedCommand()
        resolve(words, into: &result, level: 0)
        return result
    }

    static func name(_ word: ShellWord) -> String {
        word.text.split(separator: "/").last.map(String.init) ?? word.text
    }

    private static func resolve(_ start: ArraySlice<ShellWord>, into result: inout ResolvedCommand, level: Int) {
        var words = start
        for _ in 0..<maxWrappers {
            guard let first = words.first else { return }
            let command = name(first)
            if let wrapper = all[command] {
                guard let rest = wrapper.unwrap(words, into: &result, command: command) else { return }
                words = rest
                continue
            }
            switch command {
            case "busybox":
                words = words.dropFirst()
            case "eval":
                if let script = ShellWord.joined(words.dropFirst()) { result.scripts.append(script) }
                return
            case "trap":
                var arguments = words.dropFirst()
                if arguments.first?.text == "--" { arguments = arguments.dropFirst() }
                if arguments.count >= 2, let action = arguments.first, action.text != "-", !action.text.hasPrefix("-") {
                    result.scripts.append(action)
                }
                return
            case "ssh":
                remoteCommand(words, into: &result)
                return
            case "find":
                for segment in execSegments(words) { resolve(segment, into: &result, level: level + 1) }
                return
            case _ where shells.contains(command):
                shell(words, into: &result)
                return
            default:
                result.commands.append(words)
                return
            }
        }
    }

    /// The words after a wrapper's options (and operands): the command it runs; nil when it runs none.
    func unwrap(_ words: ArraySlice<ShellWord>, into result: inout ResolvedCommand, command: String) -> ArraySlice<ShellWord>? {
        var walk = OptionWalk(words, from: words.startIndex + 1)
        while let (word, reading) = walk.next() {
            let text = word.text
            if case .long(let name) = reading {
                if noCommand.contains(name) { return nil }
                if script.contains(name) {
                    if let equals = text.firstIndex(of: "=") {
                        result.scripts.append(word.suffix(from: text.distance(from: text.startIndex, to: equals) + 1))
                    } else if let value = walk.following {
                        result.scripts.append(value)
                    }
                    return nil
                }
                if valued.contains(name), !text.contains("=") { walk.takeValue() }
                continue
            }
            // A cluster of short options: the first that takes a value takes the rest of the word or the next.
            for (offset, letter) in text.dropFirst().enumerated() {
                let option = "-\(letter)"
                if noCommand.contains(option) { return nil }
                let attached = offset + 2 < text.count
                if script.contains(option) {
                    if attached {
                        result.scripts.append(word.suffix(from: offset + 2))
                    } else if let value = walk.following {
                        result.scripts.append(value)
                    }
                    return nil
                }
                if valued.contains(option) {
                    if !attached { walk.takeValue() }
                    break
                }
            }
        }
        var index = walk.index
        if assignments {
            while index < words.endIndex, ShellReader.isAssignment(words[index]) { index += 1 }
        }
        index += operands
        var rest = words[min(index, words.endIndex)...]
        // `flock FILE -c CMD`; `su USER -c CMD`, `sg GROUP -c CMD` (their words are all their own).
        let ownsAll = command == "su" || command == "sg" || (command == "runuser" && !words.contains { $0.text == "-u" || $0.text == "--user" })
        for position in rest.indices where script.contains(rest[position].text) {
            guard ownsAll || position == rest.startIndex else { break }
            if position + 1 < rest.endIndex { result.scripts.append(rest[position + 1]) }
            return nil
        }
        switch command {
        case "su":
            // `su USER` runs a login shell, not its other words (a command only through -c).
            return nil
        case "runuser" where ownsAll:
            // runuser in su's form, likewise.
            return nil
        case "sg":
            // `sg GROUP COMMAND…`: the command is given to a shell.
            rest = rest.dropFirst()
            if let script = ShellWord.joined(rest) { result.scripts.append(script) }
            return nil
        case "watch":
            if words.contains(where: { $0.text == "-x" || $0.text == "--exec" }) { return rest }
            if let script = ShellWord.joined(rest) { result.scripts.append(script) }
            return nil
        default:
            return rest
        }
    }

    /// `sh [options] -c WORD`, `sh` (standard input), `sh FILE` (not read: lint follows no file).
    static func shell(_ words: ArraySlice<ShellWord>, into result: inout ResolvedCommand) {
        var index = words.startIndex + 1
        var command = false
        var stdin = false
        while index < words.endIndex {
            let text = words[index].text
            if text == "--" || text == "-" {
                index += 1
                break
            }
            if text.hasPrefix("--") {
                index += ["--rcfile", "--init-file"].contains(text) ? 2 : 1
                continue
            }
            guard (text.hasPrefix("-") || text.hasPrefix("+")) && text.count > 1 else { break }
            var skip = 1
            for letter in text.dropFirst() {
                if letter == "c" { command = true }
                if letter == "s" { stdin = true }
                if letter == "o" || letter == "O" { skip = 2 }
            }
            index += skip
        }
        if command {
            if index < words.endIndex { result.scripts.append(words[index]) }
        } else if stdin || index >= words.endIndex {
            result.readsScript = true
        }
    }

    /// `ssh [options] HOST [COMMAND…]`: the command words, joined, are run by the remote user's shell;
    /// with none, the remote shell reads standard input.
    static func remoteCommand(_ words: ArraySlice<ShellWord>, into result: inout ResolvedCommand) {
        var index = words.startIndex + 1
        while index < words.endIndex {
            let text = words[index].text
            if text == "--" {
                index += 1
                break
            }
            guard text.hasPrefix("-"), text.count > 1 else { break }
            let letters = Array(text.dropFirst())
            var skip = 1
            for (offset, letter) in letters.enumerated() where sshValued.contains("-\(letter)") {
                if offset == letters.count - 1 { skip = 2 }
                break
            }
            index += skip
        }
        index += 1
        if index < words.endIndex, let script = ShellWord.joined(words[index...]) {
            result.scripts.append(script)
        } else if index <= words.endIndex {
            result.readsScript = true
        }
    }

    /// The commands of `find … -exec CMD … ;` (and `-execdir`, `-ok`, `-okdir`, ending at `;` or `+`).
    static func execSegments(_ words: ArraySlice<ShellWord>) -> [ArraySlice<ShellWord>] {
        var segments: [ArraySlice<ShellWord>] = []
        var index = words.startIndex
        while index < words.endIndex {
            guard ["-exec", "-execdir", "-ok", "-okdir"].contains(words[index].text) else {
                index += 1
                continue
            }
            let start = index + 1
            var stop = start
            while stop < words.endIndex, words[stop].text != ";", words[stop].text != "+" { stop += 1 }
            if start < stop { segments.append(words[start..<stop]) }
            index = stop + 1
        }
        return segments
    }
}
