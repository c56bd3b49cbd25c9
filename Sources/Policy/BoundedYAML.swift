import Yams

/// YAML read as profiles are read, for other readers of YAML that others wrote (lint's compose files and
/// Kubernetes documents): the text bounded before Yams composes it, each tree after, so a hostile document is
/// one error, never a crash.
public enum BoundedYAML {
    /// The most documents (`---`) one file may hold.
    public static let maxDocuments = 256

    /// The composed documents of `text` (none when it is empty), or why it was refused; `path` names the file.
    public static func composeAll(_ text: String, path: String) throws(PolicyError) -> [Node] {
        try ProfileTextBounds.check(Array(text.utf8), path: path)
        var nodes: [Node] = []
        do {
            var documents = try Yams.compose_all(yaml: text)
            while let node = documents.next() {
                try ProfileTreeBounds.check(node, path: path)
                nodes.append(node)
                if nodes.count > maxDocuments {
                    throw PolicyError.invalidField(path: path, field: "(document)", reason: "more than \(maxDocuments) YAML documents")
                }
            }
            if let error = documents.error { throw error }
        } catch let error as PolicyError {
            throw error
        } catch {
            throw .invalidField(path: path, field: "(document)", reason: "not valid YAML: \(ProfileLoader.yamlProblem(error))")
        }
        return nodes
    }
}
