import StrictJSON
import Yams

/// Tells what a file is from its contents: JSON by its keys (`ociVersion`/`process` a runtime config,
/// `defaultAction` or `syscalls` a seccomp profile, `services` a compose file, profile fields a profile),
/// YAML likewise (and a Kubernetes `SeccompProfile`); shell text is a file of `docker run` lines when the
/// reader finds one (``Linter/lintRunLines(_:file:url:required:)``).
enum Detection {
    static let profileKeys: Set<String> = [
        "user", "capabilities", "seccomp", "resources", "tmpfs", "extraTmpfs", "maskedPaths", "readonlyPaths", "network", "volumes",
        "allowedRegistries", "store", "admission", "readOnlyRootfs", "noNewPrivileges", "userNamespace",
    ]

    static func kind(ofJSON root: JSONNode) -> FileKind? {
        guard let keys = root.value.members?.map(\.key) else { return nil }
        return kind(ofKeys: Set(keys))
    }

    static func kind(ofYAML root: Node) -> FileKind? {
        guard let mapping = root.mapping else { return nil }
        let keys = Set(mapping.keys.compactMap(\.string))
        if keys.contains("kind") || keys.contains("apiVersion") {
            return root.at("kind")?.text == "SeccompProfile" && root.at("spec") != nil ? .seccomp : nil
        }
        return kind(ofKeys: keys)
    }

    static func kind(ofKeys keys: Set<String>) -> FileKind? {
        if keys.contains("ociVersion") || (keys.contains("process") && keys.contains("root")) { return .runtimeConfig }
        if keys.contains("defaultAction") { return .seccomp }
        if keys.contains("services") { return .compose }
        if !keys.isDisjoint(with: profileKeys) { return .profile }
        return nil
    }

}
