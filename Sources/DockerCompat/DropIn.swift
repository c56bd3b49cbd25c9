/// What `securerun docker …` (or a `docker` symlink to securerun) was asked to do: the commands that
/// start a container or could loosen one are securerun's; everything else goes to the real docker.
public enum DropInCommand: Sendable, Equatable {
    /// `run` / `container run`: the words after it.
    case run([String])
    /// `create` / `container create`.
    case create([String])
    /// `exec` / `container exec`, as far as its floor matters.
    case exec(ExecCall)
    /// `update` / `container update`.
    case update(UpdateCall)
    /// `network connect NETWORK CONTAINER`.
    case networkConnect(network: String, container: String)
    /// Anything else: handed to the real docker unchanged.
    case passThrough
    /// A docker global flag securerun cannot honour before a command it handles.
    case refusedGlobal(flag: String)
}

/// The parts of `docker exec` that could loosen a container.
public struct ExecCall: Sendable, Equatable {
    /// The container named.
    public var container: String
    /// `--privileged` (as typed, if given).
    public var privileged: String?
    /// `-u/--user` value.
    public var user: String?
}

/// The limits `docker update` asks for, by flag as typed.
public struct UpdateCall: Sendable, Equatable {
    /// Containers named.
    public var containers: [String]
    /// (flag as typed, value) for every option given.
    public var options: [(flag: String, value: String)]

    public static func == (lhs: UpdateCall, rhs: UpdateCall) -> Bool {
        lhs.containers == rhs.containers && lhs.options.map(\.flag) == rhs.options.map(\.flag) && lhs.options.map(\.value) == rhs.options.map(\.value)
    }
}

/// Sorts docker command lines into `DropInCommand`s, with docker's own CLI grammar.
public enum DropIn {
    /// docker's global flags that take a value.
    static let globalsWithValue: Set<String> = [
        "--config", "-c", "--context", "-H", "--host", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey",
    ]
    /// Global flags that change which engine is talked to: securerun handles run/create on the local one only.
    static let engineChoosing: Set<String> = ["-c", "--context", "-H", "--host", "--tls", "--tlsverify", "--tlscacert", "--tlscert", "--tlskey"]

    /// Classifies `arguments` (the words after `docker`).
    public static func classify(_ arguments: [String]) -> DropInCommand {
        var index = 0
        var engineFlag: String?
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "-" {
            let word = arguments[index]
            let name = String(word.split(separator: "=", maxSplits: 1).first ?? "")
            if engineChoosing.contains(name) { engineFlag = engineFlag ?? name }
            index += globalsWithValue.contains(word) ? 2 : 1
        }
        guard index < arguments.count else { return .passThrough }
        var words = Array(arguments[index...])
        if words.first == "container", words.count > 1 { words.removeFirst() }
        let handled: DropInCommand
        switch words.first {
        case "run": handled = .run(Array(words.dropFirst()))
        case "create": handled = .create(Array(words.dropFirst()))
        case "exec": handled = exec(Array(words.dropFirst())) ?? .passThrough
        case "update": handled = .update(update(Array(words.dropFirst())))
        case "network" where words.count > 1 && words[1] == "connect":
            let rest = positionals(Array(words.dropFirst(2)), withValue: ["--alias", "--driver-opt", "--ip", "--ip6", "--link", "--link-local-ip"])
            guard rest.count >= 2 else { return .passThrough }
            handled = .networkConnect(network: rest[0], container: rest[1])
        default: return .passThrough
        }
        if let engineFlag { return .refusedGlobal(flag: engineFlag) }
        return handled
    }

    /// `exec [OPTIONS] CONTAINER COMMAND…`: options stop at the container.
    static func exec(_ words: [String]) -> DropInCommand? {
        let withValue: Set<Character> = ["e", "u", "w"]
        let longWithValue: Set<String> = ["--detach-keys", "--env", "--env-file", "--user", "--workdir"]
        var call = ExecCall(container: "", privileged: nil, user: nil)
        var index = 0
        while index < words.count {
            let word = words[index]
            if word == "--" {
                index += 1
                break
            }
            guard word.hasPrefix("-"), word != "-" else { break }
            if word.hasPrefix("--") {
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                let name = parts[0]
                var value = parts.count == 2 ? parts[1] : nil
                if longWithValue.contains(name), value == nil {
                    index += 1
                    value = index < words.count ? words[index] : nil
                }
                if name == "--privileged", (value ?? "true").lowercased() != "false" { call.privileged = word }
                if name == "--user" { call.user = value }
            } else {
                // Combined short flags: -it, -itu 0, -u0.
                let letters = Array(word.dropFirst())
                var position = 0
                while position < letters.count {
                    let letter = letters[position]
                    if withValue.contains(letter) {
                        let rest = String(letters[(position + 1)...])
                        var value: String? = rest.isEmpty ? nil : rest
                        if value == nil {
                            index += 1
                            value = index < words.count ? words[index] : nil
                        }
                        if letter == "u" { call.user = value }
                        break
                    }
                    position += 1
                }
            }
            index += 1
        }
        guard index < words.count else { return nil }
        call.container = words[index]
        return .exec(call)
    }

    /// `update [OPTIONS] CONTAINER…`.
    static func update(_ words: [String]) -> UpdateCall {
        var call = UpdateCall(containers: [], options: [])
        var index = 0
        while index < words.count {
            let word = words[index]
            if word.hasPrefix("-"), word != "-", call.containers.isEmpty {
                if let equals = word.firstIndex(of: "=") {
                    call.options.append((String(word[..<equals]), String(word[word.index(after: equals)...])))
                } else if word.hasPrefix("-"), !word.hasPrefix("--"), word.count > 2 {
                    // -m512m, -c2
                    call.options.append((String(word.prefix(2)), String(word.dropFirst(2))))
                } else {
                    index += 1
                    call.options.append((word, index < words.count ? words[index] : ""))
                }
            } else {
                call.containers.append(word)
            }
            index += 1
        }
        return call
    }

    /// The positional words of a command line whose flags `withValue` take a value.
    static func positionals(_ words: [String], withValue: Set<String>) -> [String] {
        var result: [String] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            if word.hasPrefix("-"), word != "-" {
                if withValue.contains(word) { index += 1 }
            } else {
                result.append(word)
            }
            index += 1
        }
        return result
    }
}
