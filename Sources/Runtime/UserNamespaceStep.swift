import Foundation
import HostSystem
import Policy

/// The container's id block (see ``IdBlocks``): leased first, so the root and volume steps after it can
/// idmap for it, and released last, by a clean exit and by the sweep alike.
public struct UserNamespaceStep: LaunchStep {
    let mode: UserNamespaceMode
    /// Why this container cannot have one, when something it asks for needs the host's user namespace.
    let blocker: String?

    /// The step for a profile's `userNamespace` setting and the container's spec.
    public init(mode: UserNamespaceMode, spec: HardenedSpec? = nil) {
        self.mode = mode
        // runc 1.1 sets the NIS domain name through /proc/sys/kernel/domainname, a UTS sysctl the kernel
        // leaves owned by the host's root, which no user namespace can write. A private network's namespace
        // is made on the host (owned by the host's user namespace), and the kernel mounts sysfs only for a
        // network namespace the mounting user namespace owns; a bind of the host's /sys instead would show
        // the container the host's interfaces.
        if spec?.domainname != nil {
            blocker = "--domainname is set through /proc/sys/kernel/domainname, which runc cannot write from a user namespace"
        } else if spec?.network.mode == .private {
            blocker = "a private network's namespace belongs to the host, so sysfs cannot be mounted for it from a user namespace"
        } else {
            blocker = nil
        }
    }

    public var name: String { "user namespace" }

    public func setUp(_ place: ContainerPlace, plan: inout LaunchPlan) throws(RuntimeError) {
        guard mode != .off else { return }
        // A request that cannot have one runs without it where the profile only prefers one, quietly (it is
        // what was asked for, every time; `inspect` shows no mapping); a profile that requires one refuses it.
        if let blocker {
            if mode == .required { throw .userNamespaceFailed(action: "give the container a user namespace", reason: blocker) }
            return
        }
        do throws(RuntimeError) {
            let lease = try IdBlocks.allocate(for: place.directory)
            try Self.makeReachable(place)
            plan.idMapping = lease.mapping
            plan.idMappingRequired = mode == .required
        } catch {
            _ = Self.tearDown(place)
            if mode == .required { throw error }
            plan.warnings.append("running without a user namespace (the profile prefers one): \(error.description)")
        }
    }

    public static func tearDown(_ place: ContainerPlace) -> [String] {
        IdBlocks.release(place.directory)
    }

    /// The runtime mounts the container's root and volumes from inside the user namespace, as a root the
    /// host treats as nobody, so every directory above them must let others pass (0711 worked, 0700 did
    /// not): securerun's own (state root, `containers/`, the container's) get o+x, which lets nobody list
    /// them; one above the state root that is closed refuses the start, naming it.
    static func makeReachable(_ place: ContainerPlace) throws(RuntimeError) {
        let root = ContainerMounts.canonicalPath(place.stateRoot)
        var path = ContainerMounts.canonicalPath(place.directory)
        while true {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw .userNamespaceFailed(action: "open the way to the container's root", reason: "\(path): \(String(cString: strerror(errno)))")
            }
            if info.st_mode & 0o001 == 0 {
                let ours = path.hasPrefix(root) && info.st_uid == 0
                guard ours, chmod(path, info.st_mode & 0o7777 | 0o001) == 0 else {
                    throw .userNamespaceFailed(
                        action: "open the way to the container's root",
                        reason:
                            "\(path) (mode \(String(info.st_mode & 0o7777, radix: 8))) does not let the container's root pass; run chmod o+x \(path) or use a state root below searchable directories"
                    )
                }
            }
            if path == "/" { return }
            path = URL(fileURLWithPath: path).deletingLastPathComponent().path
        }
    }
}
