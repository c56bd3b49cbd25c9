import HostSystem

/// Why a container could not be started or cleaned up.
public enum RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The OCI runtime binary is not installed.
    case runtimeNotFound(name: String)
    /// The runtime cannot work on this host (crun on a hybrid cgroup layout).
    case runtimeUnsupported(name: String, reason: String)
    /// A container of that name exists already.
    case nameInUse(String)
    /// A host path for a volume does not exist.
    case volumeSourceMissing(String)
    /// A file operation in the state directory failed.
    case stateFailure(path: String, reason: String)
    /// The runtime could not be launched.
    case launchFailed(runtime: String, reason: String)
    /// A volume's host path changed between the policy check and the mount (a component became a
    /// symbolic link, or the path now names another file).
    case volumeChanged(volume: String, reason: String)
    /// Mounting a volume's staging path or the container's root failed.
    case mountFailed(path: String, reason: String)
    /// The container could not get a root of its own over the shared image rootfs.
    case rootfsUnavailable(rootfs: String, reason: String)
    /// Mounts under a container's state directory could not be removed, so the directory is kept.
    case mountsRemain(directory: String, mountPoints: [String])
    /// The runtime itself failed (its own error, not the container's exit status).
    case runtimeFailed(runtime: String, verb: String, message: String)
    /// A state directory could not be removed safely and was kept.
    case removalFailed(RemovalError)
    /// `--init` was asked for but no static init binary is installed.
    case initMissing(searched: [String])
    /// The Docker Engine cannot be reached.
    case engineUnavailable(socket: String, reason: String)
    /// The Docker Engine refused or failed a request (its own message).
    case engineFailed(verb: String, message: String)
    /// A tool private networking needs is not installed.
    case networkToolMissing(tool: String, package: String)
    /// Setting up (or reading) the container's network failed; the container does not start.
    case networkFailed(action: String, reason: String)
    /// The profile's address range overlaps a route of the host's own.
    case addressRangeConflict(range: String, route: String)
    /// The container's pid namespace could not be set so that memfd code cannot run.
    case memfdNoexecFailed(reason: String)
    /// A securerun network cannot be made, joined or removed as asked.
    case invalidNetwork(name: String, reason: String)
    /// Every /30 of the profile's address range is in use.
    case addressRangeExhausted(range: String)
    /// A published port's host address and port cannot be bound.
    case portUnavailable(port: String, reason: String)
    /// The container cannot get (or did not get) the user namespace its profile asks for.
    case userNamespaceFailed(action: String, reason: String)

    public var description: String {
        switch self {
        case .runtimeNotFound(let name):
            return "OCI runtime \"\(name)\" not found in PATH; install it (apt-get install \(name)) or choose another with --runtime"
        case .runtimeUnsupported(let name, let reason):
            return "OCI runtime \"\(name)\" cannot start containers on this host: \(reason); use --runtime runc"
        case .nameInUse(let name):
            return "a container named \"\(name)\" already exists; choose another --name"
        case .volumeSourceMissing(let path):
            return "volume source \(path) does not exist on the host"
        case .stateFailure(let path, let reason):
            return "cannot write container state at \(path): \(reason)"
        case .launchFailed(let runtime, let reason):
            return "cannot launch \(runtime): \(reason)"
        case .volumeChanged(let volume, let reason):
            return "refusing volume \(volume): its host path changed after the policy check (\(reason))"
        case .mountFailed(let path, let reason):
            return "cannot mount \(path): \(reason)"
        case .rootfsUnavailable(let rootfs, let reason):
            return "cannot give the container its own root over \(rootfs) (the shared image rootfs is never written): \(reason)"
        case .mountsRemain(let directory, let mountPoints):
            return "kept \(directory): still mounted at \(mountPoints.joined(separator: ", ")) (unmount them, then remove it)"
        case .runtimeFailed(let runtime, let verb, let message):
            switch verb {
            case "run", "create", "start": return "\(runtime) could not start the container: \(message)"
            case "exec": return "\(runtime) could not start the process in the container: \(message)"
            default: return "\(runtime) \(verb) failed: \(message)"
            }
        case .removalFailed(let error):
            return error.description
        case .engineUnavailable(let socket, let reason):
            return "cannot reach the Docker Engine at \(socket): \(reason) (is dockerd running? the docker backend needs it)"
        case .engineFailed(let verb, let message):
            return "the Docker Engine refused \(verb): \(message)"
        case .networkToolMissing(let tool, let package):
            return "private networking needs \(tool), which is not installed; install it (apt-get install \(package)) or run with --network none"
        case .networkFailed(let action, let reason):
            return "cannot \(action), so the container does not start: \(reason)"
        case .addressRangeConflict(let range, let route):
            return
                "the profile's network.addressRange \(range) overlaps the host's route \(route); set network.addressRange to a range the host does not use"
        case .memfdNoexecFailed(let reason):
            return "cannot stop code in memfds from running (vm.memfd_noexec), so the container does not start: \(reason)"
        case .invalidNetwork(let name, let reason):
            return "network \(name): \(reason)"
        case .addressRangeExhausted(let range):
            return "every /30 of network.addressRange \(range) is in use; stop a private container or give the profile a larger range"
        case .userNamespaceFailed(let action, let reason):
            return "cannot \(action): \(reason)"
        case .portUnavailable(let port, let reason):
            return "cannot publish \(port): \(reason)"
        case .initMissing(let searched):
            return "--init needs a static init binary (looked for \(searched.joined(separator: ", "))); install it with 'apt-get install tini'"
        }
    }
}
