import Foundation
import HostSystem
import Policy

/// The backends securerun drives, as `--runtime`, a profile's `runtime:` and a container's record name
/// them. Each answers its own differences here (what it keeps, what `--dry-run` shows), so no caller
/// compares names.
public enum BackendKind: String, Sendable, CaseIterable {
    case runc, crun, docker

    /// The OCI runtime behind it, for runc and crun.
    public var ociRuntime: OCIRuntime.Kind? { OCIRuntime.Kind(rawValue: rawValue) }

    /// Whether a created container is kept for a later start (`docker create`): only the engine keeps one.
    public var keepsCreatedContainers: Bool { self == .docker }

    /// Whether a restart policy would be kept by the engine itself (which restarts with no start decision
    /// taken again), rather than by securerun's monitor: such a backend refuses restart policies (SR033).
    public var restartsByItself: Bool { self == .docker }

    /// Whether the engine keeps the container's output itself (its json-file log), so a detached container's
    /// monitor does not copy it.
    public var engineKeepsOutput: Bool { self == .docker }

    /// Whether a private network reaches the container through a holder container (the engine makes the
    /// namespace, securerun shapes it) rather than a namespace securerun makes for the runtime to join.
    public var joinsNetworkThroughHolder: Bool { self == .docker }

    /// The backend, or why it cannot be used on this host.
    public func make(stateRoot: URL) throws -> any ContainerBackend {
        guard let kind = ociRuntime else { return try DockerBackend(stateRoot: stateRoot) }
        return RuncBackend(runtime: try OCIRuntime(kind: kind, stateDirectory: StateRoot(stateRoot).runtimeState(rawValue)))
    }

    /// What `--dry-run` prints: exactly what this backend would be handed for `launch`, as JSON. runc and
    /// crun get the OCI config.json; the engine gets the container-create body (by image id `imageID`,
    /// each volume from its staging path).
    public func dryRun(_ launch: BackendLaunch, imageID: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard ociRuntime != nil else {
            var launch = launch
            let mounts = ContainerMounts(directory: launch.place.directory)
            for index in launch.spec.volumes.indices where launch.plan.volumeSources[index] == nil {
                launch.plan.volumeSources[index] = mounts.staging(index).path
            }
            let body = try DockerCreate(
                launch: launch, image: imageID, attach: true, interactive: launch.interactive, ownLabels: DockerCreate.ownLabels(launch))
            return String(decoding: try encoder.encode(body), as: UTF8.self)
        }
        var spec = SpecBuilder.spec(
            for: launch.spec, rootfs: launch.sharedRootfs, cgroupsPath: launch.place.cgroupsPath, volumeSources: launch.plan.volumeSources,
            networkNamespace: launch.plan.network?.names.namespacePath)
        spec.process.terminal = launch.terminal
        return String(decoding: try encoder.encode(spec), as: UTF8.self)
    }
}
