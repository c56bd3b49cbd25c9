/// What `securerun docker …` (or a `docker` symlink to securerun) was asked to do: the commands that
/// start a container or could loosen one are securerun's; everything else goes to the real docker.
public enum DropInCommand: Sendable, Equatable {
    /// `run` / `container run`: the words after it.
    case run([String])
    /// `create` / `container create`.
    case create([String])
    /// `exec` / `container exec`.
    case exec(ExecCall)
    /// `update` / `container update`.
    case update(UpdateCall)
    /// `network connect NETWORK CONTAINER`.
    case networkConnect(network: String, container: String)
    /// `start` / `restart` (and their `container` forms).
    case start(StartCall)
    /// Anything else: handed to the real docker unchanged.
    case passThrough
    /// A docker global flag securerun cannot honour before a command it handles.
    case refusedGlobal(flag: String)
    /// A command securerun guards, written so that securerun cannot read it as docker would (an unknown
    /// flag, a flag without its value): refused, never handed over unread.
    case unreadable(command: String, reason: String)
}

/// One `docker exec` as docker's CLI reads it.
public struct ExecCall: Sendable, Equatable {
    /// The words before exec's own flags: docker's global flags and `exec` (or `container exec`).
    public var leading: [String]
    /// exec's flags, in order.
    public var options: [ReadOption]
    /// The container named.
    public var container: String
    /// The command and its arguments.
    public var command: [String]

    /// `--privileged` as typed, when it asks for privileges (bare or `=true`).
    public var privileged: String? { options.last { $0.name == "privileged" }.flatMap { $0.isTrue ? $0.typed : nil } }
    /// The `-u/--user` value (the last one counts, as in docker).
    public var user: String? { options.last { $0.name == "user" }?.value }

    /// The same command line with the user replaced by `user` (always given, so the engine never looks a
    /// name up again) and `--` before the container.
    public func arguments(user: String) -> [String] {
        leading + options.filter { $0.name != "user" }.map(\.canonical) + ["--user=\(user)", "--", container] + command
    }
}

/// The limits `docker update` asks for.
public struct UpdateCall: Sendable, Equatable {
    /// Containers named.
    public var containers: [String]
    /// Every option given, in order.
    public var options: [ReadOption]
}

/// `docker start` or `docker restart`.
public struct StartCall: Sendable, Equatable {
    /// `start` or `restart`.
    public var verb: String
    /// Containers named.
    public var containers: [String]
    /// Every option given, in order.
    public var options: [ReadOption]
}

/// One flag of a docker command line as read: its long name, how it was typed, and its value.
public struct ReadOption: Sendable, Equatable {
    /// The long name (`memory` for `-m`).
    public var name: String
    /// As typed (`-m`, `--memory=4g`, `-u` inside `-itu`).
    public var typed: String
    /// The value; nil for a boolean flag written without one.
    public var value: String?

    /// A boolean flag that is on: bare, or `=true` in one of the spellings strconv.ParseBool reads.
    public var isTrue: Bool { value.map { SubcommandGrammar.boolTrue.contains($0) } ?? true }
    /// `--name=value` (or `--name` for a bare boolean): the same flag, unambiguous in any position.
    var canonical: String { value.map { "--\(name)=\($0)" } ?? "--\(name)" }
}

/// Why a docker command line cannot be read as docker's CLI would read it (pflag's own wording).
public struct DropInReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

/// A docker command's flags, as its cobra command declares them with spf13/pflag.
public struct SubcommandGrammar: Sendable {
    /// One flag: its long name, one-letter form, and whether it takes a value (every non-boolean pflag
    /// type does: string, int, list, bytes…).
    public struct Flag: Sendable {
        let name: String
        let short: Character?
        let takesValue: Bool

        static func value(_ name: String, _ short: Character? = nil) -> Flag { Flag(name: name, short: short, takesValue: true) }
        static func bool(_ name: String, _ short: Character? = nil) -> Flag { Flag(name: name, short: short, takesValue: false) }
    }

    /// The command, for messages.
    public let command: String
    /// Whether flags may follow positional arguments (pflag's default; `exec` and docker's globals turn it off).
    public let interspersed: Bool
    let flags: [Flag]

    init(_ command: String, interspersed: Bool, _ flags: [Flag]) {
        self.command = command
        self.interspersed = interspersed
        // cobra gives every command -h/--help (docker declares it on the root as a persistent flag).
        self.flags = flags + [.bool("help", "h")]
    }

    /// strconv.ParseBool's spellings.
    static let boolTrue: Set<String> = ["1", "t", "T", "TRUE", "true", "True"]
    static let boolFalse: Set<String> = ["0", "f", "F", "FALSE", "false", "False"]

    /// What one command line holds once read.
    public struct Read: Sendable, Equatable {
        /// Every flag, in order.
        public var options: [ReadOption] = []
        /// The positional words (after `--` too).
        public var positionals: [String] = []
        /// `-h`/`--help` given: cobra prints the help and runs nothing.
        public var help: Bool { options.contains { $0.name == "help" && $0.isTrue } }
    }

    /// Reads `words` as pflag's FlagSet.Parse does: `--flag=value`, `--flag value` (the next word is the
    /// value even when it starts with `-`), short flags combined (`-itu 0`, `-u0`, `-u=0`), booleans bare
    /// or `=BOOL`, `--` ending the flags, `-` and the empty word positional; with interspersing off the
    /// first positional word ends the flags. A flag the command does not have is an error, as in docker.
    public func read(_ words: [String]) throws(DropInReadError) -> Read {
        var read = Read()
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if word.isEmpty || !word.hasPrefix("-") || word == "-" {
                read.positionals.append(word)
                if !interspersed {
                    read.positionals += words[index...]
                    return read
                }
                continue
            }
            if word == "--" {
                read.positionals += words[index...]
                return read
            }
            if word.hasPrefix("--") {
                try readLong(word, words, &index, into: &read)
            } else {
                try readShort(word, words, &index, into: &read)
            }
        }
        return read
    }

    func readLong(_ word: String, _ words: [String], _ index: inout Int, into read: inout Read) throws(DropInReadError) {
        let body = word.dropFirst(2)
        guard let first = body.first, first != "-", first != "=" else { throw DropInReadError(description: "bad flag syntax: \(word)") }
        let parts = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard let flag = flags.first(where: { $0.name == name }) else {
            throw DropInReadError(description: "unknown flag: --\(name) (docker \(command) has no such flag in docker 20.10)")
        }
        var value: String? = parts.count == 2 ? String(parts[1]) : nil
        if value == nil, flag.takesValue {
            guard index < words.count else { throw DropInReadError(description: "flag needs an argument: --\(name)") }
            value = words[index]
            index += 1
        }
        try add(flag, typed: word, value: value, into: &read)
    }

    func readShort(_ word: String, _ words: [String], _ index: inout Int, into read: inout Read) throws(DropInReadError) {
        let letters = Array(word.dropFirst())
        var position = 0
        while position < letters.count {
            let letter = letters[position]
            guard let flag = flags.first(where: { $0.short == letter }) else {
                throw DropInReadError(description: "unknown shorthand flag: '\(letter)' in \(word) (docker \(command) has no such flag in docker 20.10)")
            }
            let rest = letters[(position + 1)...]
            if rest.count > 1, rest.first == "=" {
                // '-f=value', for a boolean as for a valued flag.
                try add(flag, typed: "-\(letter)", value: String(rest.dropFirst()), into: &read)
                return
            }
            if !flag.takesValue {
                try add(flag, typed: "-\(letter)", value: nil, into: &read)
                position += 1
                continue
            }
            if !rest.isEmpty {
                try add(flag, typed: "-\(letter)", value: String(rest), into: &read)
                return
            }
            guard index < words.count else { throw DropInReadError(description: "flag needs an argument: '\(letter)' in \(word)") }
            try add(flag, typed: "-\(letter)", value: words[index], into: &read)
            index += 1
            return
        }
    }

    func add(_ flag: Flag, typed: String, value: String?, into read: inout Read) throws(DropInReadError) {
        if !flag.takesValue, let value, !Self.boolTrue.contains(value), !Self.boolFalse.contains(value) {
            throw DropInReadError(description: "invalid argument \"\(value)\" for \"\(typed)\" flag: strconv.ParseBool: parsing \"\(value)\": invalid syntax")
        }
        read.options.append(ReadOption(name: flag.name, typed: typed, value: value))
    }
}

extension SubcommandGrammar {
    // Each table is the command's flag list in docker 20.10 (docker/cli cli/command/…), plus the flags
    // later clients added whose kind is known; a flag not listed refuses the command.

    /// docker's global flags (cli/flags/options.go, cmd/docker/docker.go): read up to the command.
    public static let global = SubcommandGrammar(
        "", interspersed: false,
        [
            .value("config"), .value("context", "c"), .bool("debug", "D"), .value("host", "H"), .value("log-level", "l"), .bool("tls"),
            .value("tlscacert"), .value("tlscert"), .value("tlskey"), .bool("tlsverify"), .bool("version", "v"),
        ])
    /// `exec` (container/exec.go): SetInterspersed(false), so the flags end at the container.
    public static let exec = SubcommandGrammar(
        "exec", interspersed: false,
        [
            .value("detach-keys"), .bool("interactive", "i"), .bool("tty", "t"), .bool("detach", "d"), .value("user", "u"), .bool("privileged"),
            .value("env", "e"), .value("env-file"), .value("workdir", "w"),
        ])
    /// `update` (container/update.go): flags anywhere, before or after the containers.
    public static let update = SubcommandGrammar(
        "update", interspersed: true,
        [
            .value("blkio-weight"), .value("cpu-period"), .value("cpu-quota"), .value("cpu-rt-period"), .value("cpu-rt-runtime"), .value("cpuset-cpus"),
            .value("cpuset-mems"), .value("cpu-shares", "c"), .value("memory", "m"), .value("memory-reservation"), .value("memory-swap"),
            .value("kernel-memory"), .value("restart"), .value("pids-limit"), .value("cpus"),
        ])
    /// `start` (container/start.go).
    public static let start = SubcommandGrammar(
        "start", interspersed: true,
        [.bool("attach", "a"), .bool("interactive", "i"), .value("detach-keys"), .value("checkpoint"), .value("checkpoint-dir")])
    /// `restart` (container/restart.go; `--signal` from docker 23 on).
    public static let restart = SubcommandGrammar("restart", interspersed: true, [.value("time", "t"), .value("signal", "s")])
    /// `network connect` (network/connect.go; `--gw-priority` and `--mac-address` from later clients).
    public static let networkConnect = SubcommandGrammar(
        "network connect", interspersed: true,
        [
            .value("alias"), .value("driver-opt"), .value("ip"), .value("ip6"), .value("link"), .value("link-local-ip"), .value("gw-priority"),
            .value("mac-address"),
        ])
    /// A management command (`container`, `network`) between the globals and its subcommand: help only.
    static let management = SubcommandGrammar("", interspersed: false, [])
}

/// Sorts docker command lines into `DropInCommand`s, with docker's own CLI grammar.
public enum DropIn {
    /// Global flags that change which engine is talked to: securerun handles run/create on the local one only.
    static let engineChoosing: Set<String> = ["context", "host", "tls", "tlsverify", "tlscacert", "tlscert", "tlskey"]

    /// A command line read: docker's global flags, and the command.
    public struct Line: Sendable, Equatable {
        /// The global flags given before the command.
        public var globals: [ReadOption]
        /// What is asked.
        public var command: DropInCommand

        /// `--config DIR`, which moves the client's config.json (and with it its current context).
        public var configDirectory: String? { globals.last { $0.name == "config" }?.value }
    }

    /// Classifies `arguments` (the words after `docker`).
    public static func classify(_ arguments: [String]) -> DropInCommand { read(arguments).command }

    /// Reads `arguments` (the words after `docker`) as docker's CLI does: the global flags up to the first
    /// word that is not one (cli.TopLevelCommand.HandleGlobalFlags), then the command and its own flags.
    public static func read(_ arguments: [String]) -> Line {
        let globals: SubcommandGrammar.Read
        do {
            globals = try SubcommandGrammar.global.read(arguments)
        } catch {
            return Line(globals: [], command: .unreadable(command: "docker", reason: error.description))
        }
        var line = Line(globals: globals.options, command: .passThrough)
        guard let first = globals.positionals.first else { return line }
        // The words up to the command, kept as typed for a command handed back to docker.
        let leading = Array(arguments.prefix(arguments.count - globals.positionals.count))
        var rest = Array(globals.positionals.dropFirst())
        var verb = first
        var prefix = leading + [first]
        if first == "container" || first == "network" {
            // cobra finds the subcommand after the management command's own flags (help only).
            let management: SubcommandGrammar.Read
            do {
                management = try SubcommandGrammar.management.read(rest)
            } catch {
                line.command = .unreadable(command: first, reason: error.description)
                return line
            }
            guard let sub = management.positionals.first else { return line }
            if !management.options.isEmpty {
                // Only -h/--help is read there; docker then prints help, but securerun does not guess.
                if guarded([sub]) {
                    line.command = .unreadable(
                        command: "\(first) \(sub)", reason: "securerun reads no flags between '\(first)' and '\(sub)'; put them after '\(sub)'")
                }
                return line
            }
            verb = first == "network" ? "network \(sub)" : sub
            prefix += [sub]
            rest = Array(management.positionals.dropFirst())
        }
        line.command = command(verb, rest, prefix: prefix)
        if line.command != .passThrough, let flag = globals.options.first(where: { engineChoosing.contains($0.name) }) {
            line.command = .refusedGlobal(flag: flag.typed.hasPrefix("--") ? "--\(flag.name)" : flag.typed)
        }
        return line
    }

    /// Whether `words` start with a subcommand securerun guards.
    static func guarded(_ words: [String]) -> Bool {
        ["run", "create", "exec", "update", "start", "restart", "connect"].contains(words.first ?? "")
    }

    static func command(_ verb: String, _ words: [String], prefix: [String]) -> DropInCommand {
        let grammar: SubcommandGrammar
        switch verb {
        case "run": return .run(words)
        case "create": return .create(words)
        case "exec": grammar = .exec
        case "update": grammar = .update
        case "start": grammar = .start
        case "restart": grammar = .restart
        case "network connect": grammar = .networkConnect
        default: return .passThrough
        }
        let read: SubcommandGrammar.Read
        do {
            read = try grammar.read(words)
        } catch {
            return .unreadable(command: verb, reason: error.description)
        }
        // With -h cobra prints the help and runs nothing; too few containers and docker refuses by itself.
        if read.help { return .passThrough }
        switch verb {
        case "exec":
            guard read.positionals.count >= 2 else { return .passThrough }
            return .exec(ExecCall(leading: prefix, options: read.options, container: read.positionals[0], command: Array(read.positionals.dropFirst())))
        case "update":
            guard !read.positionals.isEmpty else { return .passThrough }
            return .update(UpdateCall(containers: read.positionals, options: read.options))
        case "network connect":
            guard read.positionals.count == 2 else { return .passThrough }
            return .networkConnect(network: read.positionals[0], container: read.positionals[1])
        default:
            guard !read.positionals.isEmpty else { return .passThrough }
            return .start(StartCall(verb: verb, containers: read.positionals, options: read.options))
        }
    }
}
