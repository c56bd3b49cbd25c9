import DockerCompat

/// A command that starts a container, found in shell text: which grammar reads its arguments, and the
/// arguments after the subcommand.
struct RunCommand: Sendable {
    var mode: GrammarMode
    var arguments: [ShellWord]
    /// The word that names the subcommand (`run`), for problems without a flag.
    var verb: ShellWord
}

/// A command lint judges, or one it refuses to read (a `docker compose run` flag compose does not have).
enum RecognizedCommand {
    case run(RunCommand)
    case invalid(String, at: SourcePosition)
}

/// Finds the commands that start a container: `docker run|create`, `docker container run|create`, `podman
/// run|create`, `securerun run`, `securerun docker run|create`, and `docker compose run` / `docker-compose
/// run` (whose flags are docker run's, applied to a service of the compose file, which is judged where the
/// compose file is linted).
enum RunCommands {
    /// docker's and podman's global flags that take a value in the next word.
    static let valuedGlobalFlags: Set<String> = [
        "--context", "-c", "-H", "--host", "--config", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey", "--connection", "--identity",
        "--url", "--root", "--runroot", "--storage-driver", "--storage-opt", "--cgroup-manager", "--events-backend", "--hooks-dir", "--module",
        "--network-cmd-path", "--runtime", "--runtime-flag", "--ssh", "--tmpdir", "--volumepath", "--imagestore",
    ]

    /// docker compose's (and docker-compose's) global flags that take a value.
    static let valuedComposeFlags: Set<String> = [
        "-f", "--file", "-p", "--project-name", "--project-directory", "--profile", "--env-file", "--ansi", "--parallel", "--progress", "-c",
        "--context", "-H", "--host", "--log-level", "--tlscacert", "--tlscert", "--tlskey",
    ]

    /// `docker compose run` flags that are docker run's (same meaning, same value), by name.
    static let composeRunShared: Set<String> = [
        "--cap-add", "--cap-drop", "-d", "--detach", "--entrypoint", "-e", "--env", "-i", "--interactive", "-l", "--label", "--name", "-p",
        "--publish", "--rm", "-t", "--tty", "-u", "--user", "-v", "--volume", "-w", "--workdir",
    ]
    /// Of those, the ones that take a value.
    static let composeRunValued: Set<String> = [
        "--cap-add", "--cap-drop", "--entrypoint", "-e", "--env", "-l", "--label", "--name", "-p", "--publish", "-u", "--user", "-v", "--volume",
        "-w", "--workdir", "--pull", "--env-from-file",
    ]
    /// `docker compose run` flags of compose's own, which start nothing looser (`-P` publishes the ports the
    /// service declares, judged with the compose file; docker's `-P` would mean something else).
    static let composeRunOwn: Set<String> = [
        "--build", "--no-build", "--no-deps", "--quiet-pull", "--remove-orphans", "-P", "--service-ports", "--use-aliases", "-T", "--no-TTY",
        "--quiet", "--quiet-build", "--pull", "--dry-run", "--env-from-file",
    ]

    /// The container-starting command `words` (a command name on) is, if it is one.
    static func recognize(_ words: ArraySlice<ShellWord>) -> RecognizedCommand? {
        guard let tool = words.first else { return nil }
        let name = CommandWrapper.name(tool)
        var rest = words.dropFirst()
        switch name {
        case "securerun":
            if rest.first?.text == "run", let verb = rest.first {
                return .run(RunCommand(mode: .securerunRun, arguments: Array(rest.dropFirst()), verb: verb))
            }
            guard rest.first?.text == "docker" else { return nil }
            rest = rest.dropFirst()
        case "docker", "podman":
            break
        case "docker-compose", "podman-compose":
            return composeRun(rest)
        default:
            return nil
        }
        rest = skipOptions(rest, valued: valuedGlobalFlags)
        if rest.first?.text == "compose" { return composeRun(rest.dropFirst()) }
        if rest.first?.text == "container" { rest = rest.dropFirst() }
        guard let verb = rest.first, verb.text == "run" || verb.text == "create" else { return nil }
        return .run(RunCommand(mode: verb.text == "run" ? .dockerRun : .dockerCreate, arguments: Array(rest.dropFirst()), verb: verb))
    }

    static func skipOptions(_ words: ArraySlice<ShellWord>, valued: Set<String>) -> ArraySlice<ShellWord> {
        var rest = words
        while let flag = rest.first, flag.text.hasPrefix("-"), flag.text != "-" {
            rest = rest.dropFirst()
            if flag.text == "--" { break }
            if valued.contains(flag.text) { rest = rest.dropFirst() }
        }
        return rest
    }

    /// `[global flags] run [flags] SERVICE [COMMAND…]`: its docker-run flags, as docker run flags, with the
    /// service standing for the image.
    static func composeRun(_ words: ArraySlice<ShellWord>) -> RecognizedCommand? {
        let rest = skipOptions(words, valued: valuedComposeFlags)
        guard let verb = rest.first, verb.text == "run" else { return nil }
        var arguments: [ShellWord] = []
        var walk = OptionWalk(rest, from: rest.startIndex + 1)
        while let (word, reading) = walk.next() {
            let text = word.text
            if case .long(let name) = reading {
                let takesNext = composeRunValued.contains(name) && !text.contains("=")
                if composeRunShared.contains(name) {
                    arguments.append(word)
                    if takesNext, let value = walk.following { arguments.append(value) }
                } else if !composeRunOwn.contains(name) {
                    return .invalid(unknownComposeFlag(name), at: word.start)
                }
                if takesNext { walk.takeValue() }
                continue
            }
            // A cluster of short flags: compose's own letters are dropped, docker's kept where they were.
            var kept = ShellWordBuilder()
            kept.append("-", at: word.start)
            var takesNext = false
            var valueFrom: Int?
            for (offset, letter) in text.unicodeScalars.dropFirst().enumerated() {
                let option = "-\(letter)"
                if composeRunShared.contains(option) {
                    kept.append(letter, at: word.position(at: offset + 1))
                } else if !composeRunOwn.contains(option) {
                    return .invalid(unknownComposeFlag(option), at: word.position(at: offset + 1))
                }
                if composeRunValued.contains(option) {
                    if offset + 2 < word.length { valueFrom = offset + 2 } else { takesNext = true }
                    break
                }
            }
            if let valueFrom {
                for (offset, scalar) in word.text.unicodeScalars.enumerated() where offset >= valueFrom {
                    kept.append(scalar, at: word.position(at: offset))
                }
            }
            if kept.count > 1 {
                arguments.append(kept.build(at: word.start))
                if takesNext, let value = walk.following { arguments.append(value) }
            }
            if takesNext { walk.takeValue() }
        }
        let index = walk.index
        guard index < rest.endIndex else {
            return .invalid("docker compose run names no service", at: verb.start)
        }
        // The service stands for the image: its own settings are the compose file's.
        var image = rest[index]
        image.text = "compose-service"
        image.length = image.text.count
        image.marks = []
        arguments.append(image)
        return .run(RunCommand(mode: .dockerRun, arguments: arguments, verb: verb))
    }

    static func unknownComposeFlag(_ flag: String) -> String {
        "docker compose run has no flag \(flag) (compose refuses it); a service's settings such as privileged or cap_add belong in the compose file, which lint judges"
    }
}
