import Foundation

/// Finds a command inside an image's rootfs the way execvp would, without following links out of it.
public enum CommandLookup {
    /// Whether `command` exists in `rootfs`, searching `PATH` from `env` for bare names.
    public static func exists(_ command: String, in rootfs: URL, env: [String]) -> Bool {
        if command.contains("/") {
            let path = command.hasPrefix("/") ? command : "/" + command
            return entryExists(path, in: rootfs)
        }
        let pathValue =
            env.last(where: { $0.hasPrefix("PATH=") }).map { String($0.dropFirst(5)) } ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        return pathValue.split(separator: ":").contains { entryExists("\($0)/\(command)", in: rootfs) }
    }

    /// lstat-based: a symlink counts as present (it resolves inside the container, not on the host).
    static func entryExists(_ path: String, in rootfs: URL) -> Bool {
        var info = stat()
        return lstat(rootfs.path + path, &info) == 0
    }
}
