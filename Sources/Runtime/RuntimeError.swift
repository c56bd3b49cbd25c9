/// Why a container could not be started or cleaned up.
public enum RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The OCI runtime binary is not installed.
    case runtimeNotFound(name: String)
    /// The runtime cannot work on this host (crun on a hybrid cgroup layout).
    case runtimeUnsupported(name: String, reason: String)
    /// `--name` is not a valid container name.
    case invalidName(String)
    /// A container of that name exists already.
    case nameInUse(String)
    /// The command is not in the image.
    case commandNotFound(String)
    /// A host path for a volume does not exist.
    case volumeSourceMissing(String)
    /// A file operation in the state directory failed.
    case stateFailure(path: String, reason: String)
    /// The runtime could not be launched.
    case launchFailed(runtime: String, reason: String)

    public var description: String {
        switch self {
        case .runtimeNotFound(let name):
            return "OCI runtime \"\(name)\" not found in PATH; install it (apt-get install \(name)) or choose another with --runtime"
        case .runtimeUnsupported(let name, let reason):
            return "OCI runtime \"\(name)\" cannot start containers on this host: \(reason); use --runtime runc"
        case .invalidName(let name):
            return "invalid container name \"\(name)\": use letters, digits, '_', '.' and '-', starting with a letter or digit"
        case .nameInUse(let name):
            return "a container named \"\(name)\" already exists; choose another --name"
        case .commandNotFound(let command):
            return "executable file not found in the image: \(command)"
        case .volumeSourceMissing(let path):
            return "volume source \(path) does not exist on the host"
        case .stateFailure(let path, let reason):
            return "cannot write container state at \(path): \(reason)"
        case .launchFailed(let runtime, let reason):
            return "cannot launch \(runtime): \(reason)"
        }
    }
}
