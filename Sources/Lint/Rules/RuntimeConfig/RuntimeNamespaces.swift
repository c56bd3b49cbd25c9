/// SR307: the container shares a namespace with the host (the type is missing from `linux.namespaces`)
/// or joins another one by path.
public enum RuntimeNamespaces: RuntimeConfigRule {
    public static let description = RuleDescription(
        id: "SR307", name: "runtime-namespaces", severity: .error, kinds: [.runtimeConfig],
        summary: "the container has its own pid, ipc, uts, mount and network namespaces",
        explanation: """
            A namespace type missing from linux.namespaces is the host's: the host's processes (pid), shared \
            memory (ipc), hostname (uts), mounts (mount) or interfaces and loopback services (network). A path \
            joins an existing namespace, another container's or the host's.
            Fix: list each type without a path: {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"}.
            """)

    static let required = ["pid", "ipc", "uts", "mount", "network"]

    public static func check(_ config: RuntimeConfigDocument, into sink: inout FindingSink) {
        guard config.value("linux") != nil else { return }
        let entries = config.value("linux.namespaces")?.elements ?? []
        let types = entries.compactMap { $0.value["type"]?.value.string }
        let missing = required.filter { !types.contains($0) }
        if !missing.isEmpty {
            sink.add(
                description,
                "the host's \(missing.joined(separator: ", ")) namespace\(missing.count == 1 ? " is" : "s are") shared (missing from linux.namespaces)",
                field: config.value("linux.namespaces") == nil ? "linux" : "linux.namespaces")
        }
        for (offset, entry) in entries.enumerated() {
            guard let type = entry.value["type"]?.value.string, let path = entry.value["path"]?.value.string, type != "network" else { continue }
            sink.add(
                description, "the \(type) namespace joins \(path) instead of being the container's own", field: "linux.namespaces[\(offset)].path",
                severity: .warning)
        }
    }
}
