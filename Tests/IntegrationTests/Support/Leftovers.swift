import Foundation
import HostSystem
import Testing

/// What the containers of one state root left on the host, found where securerun puts each piece: by the
/// container's id and the root's tag, never by the container's name (which appears in none of these paths).
///
/// - the container's directory `<root>/containers/<id>` and the runtime's state `<root>/runtime/<runtime>/<id>`;
/// - mounts at or beneath the state root, from /proc/self/mountinfo (the rootfs, volumes, the init binary);
/// - cgroups `securerun/<tag>-<id>` in every controller's hierarchy (or the unified one);
/// - the private network: the namespace `/run/netns/securerun-<tag>-<id>` and interfaces aliased
///   `securerun <tag> <id>` (veth host ends, IFB devices).
///
/// A test that checks this on a state root of its own sees everything its runs left, and nothing of
/// another test's (`LeftoverCheckTests` shows each kind is found when teardown does not run).
enum Leftovers {
    /// Every leftover of `root`'s containers, as paths or `kind name` lines.
    static func of(root: URL) -> [String] {
        let tag = RunFixture.cgroupTag(root: root)
        return stateEntries(root: root) + mounts(root: root) + cgroups(tag: tag) + networks(tag: tag)
    }

    /// Container directories and every runtime's state directories under the state root.
    static func stateEntries(root: URL) -> [String] {
        var found = children(of: root.appendingPathComponent("containers").path)
        for runtime in children(of: root.appendingPathComponent("runtime").path) {
            found += children(of: runtime)
        }
        return found
    }

    /// Mount points at or beneath the state root's real path.
    static func mounts(root: URL) -> [String] {
        do {
            return try MountTable.mountPoints(under: root.resolvingSymlinksInPath().path).map { "mount \($0)" }
        } catch {
            Issue.record("cannot read the mount table: \(error)")
            return ["(unreadable mount table)"]
        }
    }

    /// Cgroup directories `securerun/<tag>-*` in each hierarchy under /sys/fs/cgroup: every v1 controller
    /// (runc makes one in each, cpuset, devices and freezer included) and the unified tree.
    static func cgroups(tag: String, base: String = "/sys/fs/cgroup") -> [String] {
        var hierarchies = [base]
        for entry in children(of: base) where isDirectory(entry) { hierarchies.append(entry) }
        var found: [String] = []
        for hierarchy in hierarchies {
            found += children(of: hierarchy + "/securerun").filter { path in
                (path as NSString).lastPathComponent.hasPrefix(tag + "-") && isDirectory(path)
            }
        }
        return found
    }

    /// Named network namespaces and interfaces of the root tagged `tag`.
    static func networks(tag: String) -> [String] {
        var found = children(of: "/run/netns").filter { ($0 as NSString).lastPathComponent.hasPrefix("securerun-\(tag)-") }.map { "netns \($0)" }
        for interface in children(of: "/sys/class/net") {
            let alias = (try? String(contentsOfFile: interface + "/ifalias", encoding: .utf8)) ?? ""
            if alias.hasPrefix("securerun \(tag) ") { found.append("interface \(interface) (\(alias.trimmingCharacters(in: .whitespacesAndNewlines)))") }
        }
        return found
    }

    static func children(of directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().map { directory + "/" + $0 }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}
