import Policy

/// One container of a pod (a container, init container or ephemeral container) read into what securerun
/// judges: the request `Policy.enforce` takes, as `securerun run` builds it from flags, and what the
/// container carries of the floor (a webhook cannot add anything to a pod, so the pod must carry it).
/// Every value's origin names the pod field it came from (`spec.containers[0].securityContext.privileged`).
public struct PodContainer: Sendable {
    /// Which list of the pod spec it is in.
    public enum Kind: String, Sendable, CaseIterable {
        case initContainer = "initContainers"
        case container = "containers"
        case ephemeralContainer = "ephemeralContainers"
    }

    /// The seccomp profile the container asks for, container over pod, as the kubelet reads it.
    public enum Seccomp: Sendable, Equatable {
        /// None given: the runtime's own default (Unconfined unless the kubelet's default is on).
        case unset
        /// `RuntimeDefault`: the container runtime's filter, not the profile's.
        case runtimeDefault
        /// `Unconfined`.
        case unconfined
        /// `Localhost` with the file name the node reads under the kubelet's seccomp directory.
        case localhost(String)
    }

    public var kind: Kind
    public var index: Int
    public var name: String
    /// The image reference as written.
    public var image: String
    /// `spec.containers[0]`.
    public var path: String
    /// The request the policy judges.
    public var request: RunRequest
    /// What it carries of the floor (the seccomp choice is judged against the profile's file name apart).
    public var floor: EngineFloor
    /// The seccomp choice and the field it came from.
    public var seccomp: Seccomp
    public var seccompOrigin: FlagOrigin

    /// `containers[0] (app)`, as refusals name it.
    public var label: String { "\(kind.rawValue)[\(index)] (\(name))" }

    /// Whether `other` is this container unchanged: the same place, image and everything judged of it.
    public func isSame(as other: PodContainer) -> Bool {
        kind == other.kind && index == other.index && name == other.name && image == other.image && request == other.request
            && floor == other.floor && seccomp == other.seccomp
    }
}

/// A pod read for judging: its name and every container of it.
public struct PodReading: Sendable {
    /// `metadata.namespace` and `metadata.name` (`generateName` when the name is still to be made).
    public var namespace: String
    public var name: String
    /// Init containers, containers, ephemeral containers, in that order.
    public var containers: [PodContainer]
}

extension FlagOrigin {
    /// The origin of a pod field: its path, and the value as sent (`spec.hostNetwork=true`).
    static func pod(_ path: String, _ value: String?) -> FlagOrigin {
        FlagOrigin(flag: path, typed: value.map { "\(path)=\($0)" } ?? path, index: nil)
    }
}
