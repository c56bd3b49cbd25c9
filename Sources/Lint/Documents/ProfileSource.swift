import Foundation
import Policy
import Yams

/// A securerun profile as lint reads it: its text (to validate it as `securerun run` would), the composed
/// YAML with Yams' marks, and the file it came from (relative seccomp and key paths are read from there).
public struct ProfileSource {
    /// The text.
    public var text: String
    /// The composed document.
    public var root: Node
    /// The file (for stdin, a name in the working directory).
    public var file: URL
    /// Seccomp files already resolved in this run.
    public var seccompCache: SeccompCache?

    /// A source.
    public init(text: String, root: Node, file: URL, seccompCache: SeccompCache? = nil) {
        self.text = text
        self.root = root
        self.file = file
        self.seccompCache = seccompCache
    }

    /// The scalar at a dotted path, with that path.
    func scalar(_ path: String) -> String? { root.at(path)?.text }

    /// The list at a dotted path.
    func list(_ path: String) -> [Node]? { root.at(path)?.sequence.map(Array.init) }

    /// A YAML boolean (`true`, `True`, `yes` are not the same in every reader; YAML 1.2's `true` is).
    func flag(_ path: String) -> Bool? {
        guard let text = scalar(path)?.lowercased() else { return nil }
        if ["true", "yes", "on"].contains(text) { return true }
        if ["false", "no", "off"].contains(text) { return false }
        return nil
    }
}

/// A rule that reads a securerun profile.
public protocol ProfileRule: LintRule {
    /// Adds what it finds in `profile` to `sink`.
    static func check(_ profile: ProfileSource, into sink: inout FindingSink)
}
