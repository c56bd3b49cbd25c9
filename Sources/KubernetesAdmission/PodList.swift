import StrictJSON

/// A `kubectl get pods -A -o json` dump (a v1 List or PodList of Pods), read strictly for `securerun
/// audit --kubernetes`: each item read as the webhook reads a pod.
public enum PodList {
    /// The pods of `bytes` (`source` names the file in messages).
    public static func read(_ bytes: [UInt8], source: String) throws(KubernetesAdmissionError) -> [PodReading] {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes, limits: JSONLimits(maxBytes: 1 << 30, maxDepth: 64))
        } catch {
            throw .notJSON(source: source, reason: error.description)
        }
        let list = try PodObject(root, path: "", known: nil)
        let kind = try list.string("kind")
        if kind == "Pod" { return [try PodReader.read(root, path: "")] }
        guard kind == "List" || kind == "PodList" else {
            throw .invalidField(
                field: "\(source): kind", reason: "expected a List of pods (kubectl get pods -A -o json), found \(kind ?? "no kind")")
        }
        guard let items = list.node("items"), case .array(let elements) = items.value else {
            throw .invalidField(field: "\(source): items", reason: "a List has a list of items")
        }
        var pods: [PodReading] = []
        for (index, item) in elements.enumerated() {
            do {
                pods.append(try PodReader.read(item, path: ""))
            } catch {
                throw .invalidField(field: "\(source): items[\(index)]", reason: error.description)
            }
        }
        return pods
    }
}
