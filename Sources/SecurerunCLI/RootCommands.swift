import ArgumentParser
import DockerCompat
import Foundation

/// A command that only root can carry out. Checked before it runs, so a user who is not root gets one
/// line saying so and why, instead of whatever the first root-only step fails with (an overlay mount's
/// "Operation not permitted", an empty `ps`).
protocol RootCommand: ParsableCommand {
    /// The words before the command's own name (`image` for `image import`).
    static var parentPath: String { get }
    /// Why it needs root, one clause.
    static var whyRoot: String { get }
    /// Whether this invocation needs it (`run --help` does not).
    var needsRoot: Bool { get }
}

extension RootCommand {
    static var parentPath: String { "" }
    static var whyRoot: String { RootReasons.stateRoot }
    var needsRoot: Bool { true }
}

/// The reasons, shared by the commands that need root for the same one.
enum RootReasons {
    static let containers =
        "it mounts the container's root filesystem and volumes and makes its cgroup, namespaces and network, which only root may do"
    static let stateRoot =
        "the state root (images, attestations, trusted keys, container records) is root-only, so that only root changes what admission vouched for"
}

extension SecurerunCommand {
    /// The one-line refusal for `command` when it needs root and this process is not root, else nil.
    public static func rootRefusal(for command: any ParsableCommand, effectiveUser: uid_t = geteuid()) -> String? {
        guard effectiveUser != 0, let instance = command as? any RootCommand, instance.needsRoot else { return nil }
        let needing = type(of: instance)
        let name = [needing.parentPath, needing.configuration.commandName ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
        return "\(name) needs root: \(needing.whyRoot); run it as root (sudo securerun \(name) …)"
    }
}

extension RunCommand: RootCommand {
    static var whyRoot: String { RootReasons.containers }
    // run takes --help among docker's flags, after argument-parser has parsed.
    var needsRoot: Bool { (try? DockerRunParser.parse(arguments, mode: .securerunRun, context: .current()))?.helpRequested != true }
}
extension ExecCommand: RootCommand { static var whyRoot: String { RootReasons.containers } }
extension MonitorCommand: RootCommand { static var whyRoot: String { RootReasons.containers } }
extension PsCommand: RootCommand {}
extension LogsCommand: RootCommand {}
extension StopCommand: RootCommand {}
extension KillCommand: RootCommand {}
extension RmCommand: RootCommand {}
extension WaitCommand: RootCommand {}
extension InspectCommand: RootCommand {}
extension AuditCommand: RootCommand {}
extension GcCommand: RootCommand {}
extension ImageImportCommand: RootCommand { static var parentPath: String { "image" } }
extension ImagePullCommand: RootCommand { static var parentPath: String { "image" } }
extension ImagePushCommand: RootCommand { static var parentPath: String { "image" } }
extension ImageSaveCommand: RootCommand { static var parentPath: String { "image" } }
extension ImageTagCommand: RootCommand { static var parentPath: String { "image" } }
extension ImageListCommand: RootCommand { static var parentPath: String { "image" } }
extension ImageInspectCommand: RootCommand { static var parentPath: String { "image" } }
extension ImageRemoveCommand: RootCommand { static var parentPath: String { "image" } }
extension ImageCheckCommand: RootCommand { static var parentPath: String { "image" } }
extension ImageAttestCommand: RootCommand { static var parentPath: String { "image" } }
extension ImageVerifyCommand: RootCommand { static var parentPath: String { "image" } }
extension ImageAttestationAddCommand: RootCommand { static var parentPath: String { "image attestation" } }
extension ImageAttestationListCommand: RootCommand { static var parentPath: String { "image attestation" } }
extension ImageAttestationRemoveCommand: RootCommand { static var parentPath: String { "image attestation" } }
extension NetworkCreateCommand: RootCommand {
    static var parentPath: String { "network" }
    static var whyRoot: String { RootReasons.containers }
}
extension NetworkListCommand: RootCommand { static var parentPath: String { "network" } }
extension NetworkInspectCommand: RootCommand { static var parentPath: String { "network" } }
extension NetworkRemoveCommand: RootCommand {
    static var parentPath: String { "network" }
    static var whyRoot: String { RootReasons.containers }
}
extension KeyTrustCommand: RootCommand { static var parentPath: String { "key" } }
extension KeyListCommand: RootCommand { static var parentPath: String { "key" } }
extension KeyRemoveCommand: RootCommand { static var parentPath: String { "key" } }
