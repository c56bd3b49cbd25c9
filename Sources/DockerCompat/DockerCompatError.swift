import Policy

/// Why a `docker run` command line could not be parsed: one line in docker's words, naming the flag as
/// typed, and its place on the command line (for lint).
public enum DockerCompatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--foo`: not a flag of `docker run` (nor of securerun).
    case unknownFlag(FlagOrigin)
    /// `-x` (alone or inside `-itx`).
    case unknownShorthand(letter: Character, word: String, origin: FlagOrigin)
    /// A valued flag at the end of the line.
    case missingValue(FlagOrigin)
    /// `---x`, `--=x`.
    case badSyntax(FlagOrigin)
    /// A value docker would refuse too (`-m abc`, `--ulimit nofile=2:1`), or a file that cannot be read.
    case invalidValue(FlagOrigin, reason: String)
    /// Flags without an image after them.
    case missingImage

    /// Where the problem was typed.
    public var origin: FlagOrigin? {
        switch self {
        case .unknownFlag(let origin), .missingValue(let origin), .badSyntax(let origin), .invalidValue(let origin, _): return origin
        case .unknownShorthand(_, _, let origin): return origin
        case .missingImage: return nil
        }
    }

    public var description: String {
        switch self {
        case .unknownFlag(let origin):
            return "unknown flag: \(origin.flag)"
        case .unknownShorthand(let letter, let word, _):
            return "unknown shorthand flag: '\(letter)' in \(word)"
        case .missingValue(let origin):
            // pflag's wording: "--name" for a long flag, "'e' in -ite" for a short one.
            if origin.flag.count == 2, let letter = origin.flag.last { return "flag needs an argument: '\(letter)' in \(origin.typed)" }
            return "flag needs an argument: \(origin.flag)"
        case .badSyntax(let origin):
            return "bad flag syntax: \(origin.typed)"
        case .invalidValue(let origin, let reason):
            return "invalid \(origin.typed): \(reason)"
        case .missingImage:
            return "an image is required: run [OPTIONS] IMAGE [COMMAND] [ARG...]"
        }
    }
}

/// A value's problem, before the parser knows which flag it belongs to.
struct ValueError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
