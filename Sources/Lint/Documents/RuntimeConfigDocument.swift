import StrictJSON

/// An OCI runtime `config.json` (runc spec, docker, podman, containerd, securerun run --dry-run) as lint reads it.
public struct RuntimeConfigDocument: Sendable {
    /// The parsed document, positions included.
    public var root: JSONNode

    /// A document.
    public init(root: JSONNode) {
        self.root = root
    }

    /// The value at a dotted path of keys.
    func value(_ path: String) -> JSONValue? { JSONIndex.node(root, path)?.value }

    /// The strings of a list at a dotted path.
    func strings(_ path: String) -> [String]? { value(path)?.elements?.compactMap { $0.value.string } }
}

/// A rule that reads an OCI runtime config.
public protocol RuntimeConfigRule: LintRule {
    /// Adds what it finds in `config` to `sink`.
    static func check(_ config: RuntimeConfigDocument, into sink: inout FindingSink)
}
