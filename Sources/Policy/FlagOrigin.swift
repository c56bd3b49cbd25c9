/// Where a value of a request came from: the flag as the user typed it and its place on the command line,
/// so a refusal quotes what was typed (`-v`, not `--volume`) and lint can point at it.
public struct FlagOrigin: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The flag as spelt (`-v`, `--volume`, `--net`; `-d` for the `d` inside `-itd`).
    public var flag: String
    /// The flag with its value as typed (`-v /run:/x`, `--read-only=false`, `-p8080:80`, `-d`).
    public var typed: String
    /// Index of the word holding the flag in the argument list that was parsed (the words after `run`);
    /// nil for a request not made from a command line.
    public var index: Int?
    /// Character offset of the flag inside that word: its letter for a short flag (1 for `-v`, 3 for the `d`
    /// of `-itd`), 0 for a long one.
    public var offset: Int
    /// The line of the file the value came from (`--env-file`, `--label-file`), if any.
    public var line: Int?

    /// An origin with every field given.
    public init(flag: String, typed: String, index: Int?, offset: Int = 0, line: Int? = nil) {
        self.flag = flag
        self.typed = typed
        self.index = index
        self.offset = offset
        self.line = line
    }

    /// An origin for a request built in code: `--memory 64m` at no position.
    public static func flag(_ flag: String, _ value: String? = nil) -> FlagOrigin {
        FlagOrigin(flag: flag, typed: value.map { "\(flag) \($0)" } ?? flag, index: nil)
    }

    /// `typed`, which is what refusals quote.
    public var description: String { typed }
}

/// A request value together with the flag it came from.
///
/// `Value` is unconstrained and the conformances below are conditional, on purpose: with constraints on
/// the type itself, the runtime checked them (a scan of every conformance in the binary) the first time
/// each of the request's 56 `Flagged<…>` fields was touched, which was a tenth of a `run`'s own CPU time.
public struct Flagged<Value> {
    /// The parsed value.
    public var value: Value
    /// Where it was typed.
    public var origin: FlagOrigin

    /// Wraps `value` typed as `origin`.
    public init(_ value: Value, _ origin: FlagOrigin) {
        self.value = value
        self.origin = origin
    }

    /// Wraps `value` as if typed as `flag value` (for requests built in code and tests).
    public init(_ value: Value, flag: String, typed: String? = nil) {
        self.value = value
        self.origin = .flag(flag, typed)
    }
}

extension Flagged: Sendable where Value: Sendable {}
extension Flagged: Equatable where Value: Equatable {}
extension Flagged: Codable where Value: Codable {}
