import Policy

/// Why a container command could not do what was asked.
public enum OrchestrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No container of that name or id under this state root.
    case noSuchContainer(String)
    /// An id prefix that fits more than one container.
    case ambiguous(String, matches: [String])
    /// `--name` is taken.
    case nameInUse(String)
    /// The container is not running (exec, kill).
    case notRunning(String)
    /// The container runs (rm without -f).
    case running(String)
    /// A record that cannot be read.
    case corruptRecord(path: String, reason: String)
    /// A state file could not be written.
    case stateFailure(path: String, reason: String)
    /// The image may not run under the profile.
    case notAdmitted(image: String, digest: String, profile: String, reasons: [String])
    /// The command exists in the image but cannot be executed.
    case commandNotExecutable(command: String, reason: String)
    /// The command is not in the image.
    case commandNotFound(String)
    /// `--runtime` names no runtime securerun knows.
    case unknownRuntime(String)
    /// The monitor of a detached container failed before the container started.
    case monitorFailed(String)
    /// A flag combination that cannot work (`-t` without a terminal to relay, …).
    case invalidRequest(flag: String, reason: String)
    /// The docker client the drop-in hands a command to cannot be run.
    case realDockerUnavailable(String)

    public var description: String {
        switch self {
        case .noSuchContainer(let name):
            return "no such container: \(name) (see 'securerun ps -a')"
        case .ambiguous(let prefix, let matches):
            return "\(prefix) matches more than one container (\(matches.joined(separator: ", "))); give more of the id or the name"
        case .nameInUse(let name):
            return "a container named \"\(name)\" already exists; choose another --name or remove it with 'securerun rm \(name)'"
        case .notRunning(let name):
            return "container \(name) is not running"
        case .running(let name):
            return "container \(name) is running; stop it first ('securerun stop \(name)') or remove it with 'securerun rm -f \(name)'"
        case .corruptRecord(let path, let reason):
            return "cannot read container record \(path): \(reason)"
        case .stateFailure(let path, let reason):
            return "cannot write container state at \(path): \(reason)"
        case .notAdmitted(let image, let digest, let profile, let reasons):
            let list = reasons.map { "  - \($0)" }.joined(separator: "\n")
            let rule = PolicyViolation.Rule.imageAdmission
            return "refusing to run \(image) (\(digest)): not admitted by profile \"\(profile)\" [\(rule.id) \(rule.name)]:\n\(list)"
        case .commandNotExecutable(let command, let reason):
            return "cannot execute \(command) in the image: it \(reason)"
        case .commandNotFound(let command):
            return "executable file not found in the image: \(command)"
        case .unknownRuntime(let name):
            return "unknown --runtime \"\(name)\" (known: runc, crun, docker)"
        case .monitorFailed(let reason):
            return "the container's monitor failed: \(reason)"
        case .invalidRequest(let flag, let reason):
            return "invalid \(flag): \(reason)"
        case .realDockerUnavailable(let reason):
            return reason
        }
    }
}
