import Foundation
import HostSystem
import Policy

/// Where one container lives on the host: enough to set it up, and enough to tear it down later from
/// nothing else (for a container whose securerun died).
public struct ContainerPlace: Sendable, Equatable {
    /// The container id (its `--name`, or 32 random hex digits).
    public var id: String
    /// `<root>/containers/<id>`, root-only.
    public var directory: URL
    /// securerun's state root.
    public var stateRoot: URL

    /// A place.
    public init(id: String, directory: URL, stateRoot: URL) {
        self.id = id
        self.directory = directory
        self.stateRoot = stateRoot
    }

    /// The container's cgroup, unique per state root and container: `/securerun/<root>-<id>`.
    public var cgroupsPath: String { SpecBuilder.cgroupsPath(id, stateRoot: stateRoot) }

    /// 32 random hex digits (container ids, temporary names).
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return HexText.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}

/// What the steps prepared that the runtime spec must use.
public struct LaunchPlan: Sendable, Equatable {
    /// The container's own root (an overlay over the shared image rootfs).
    public var rootfs: URL?
    /// Pinned staging paths of volumes, by index in the hardened spec's volumes.
    public var volumeSources: [Int: String] = [:]
    /// The private network the network step made (nil: network none).
    public var network: NetworkPlan?
    /// The container's uid and gid mapping, when it gets a user namespace (its id block).
    public var idMapping: IdMapping?
    /// The volumes idmapped for their owner: destination in the container, and the host id their owner
    /// must show as through the mount (checked between the runtime's create and start).
    public var idmappedVolumes: [String: UInt32] = [:]
    /// Whether a container without its user namespace must be refused (`userNamespace: required`).
    public var idMappingRequired = false
    /// What the user should hear about the set-up (a preferred user namespace the host could not give).
    public var warnings: [String] = []

    /// An empty plan.
    public init() {}
}

/// One part of a container's host set-up (its root, its volumes, its cgroup, later its network).
///
/// `setUp` runs in order before the runtime starts; `tearDown` runs in reverse on every exit path, also
/// after a failed or partial `setUp`, and also for an abandoned container (the sweep). It is static: it
/// works from the place alone and tolerates finding nothing, so what a dead securerun left is removed the
/// same way. Steps never remove the container's directory: that happens once, after every step is torn
/// down, and only if nothing remains mounted in it.
public protocol LaunchStep: Sendable {
    /// A short name for messages (`volumes`, `own root`).
    var name: String { get }
    /// Makes what the step provides and records it in `plan`.
    func setUp(_ place: ContainerPlace, plan: inout LaunchPlan) throws(RuntimeError)
    /// Removes what `setUp` made for `place`; returns problems worth reporting (none for a clean tear-down).
    static func tearDown(_ place: ContainerPlace) -> [String]
}

/// Runs steps in order and tears down in reverse.
public struct LaunchSteps: Sendable {
    /// The steps, in set-up order.
    public let steps: [any LaunchStep]

    /// Steps to run in this order.
    public init(steps: [any LaunchStep]) {
        self.steps = steps
    }

    /// Sets every step up; when one fails, the ones before it (and it) are torn down before the error is thrown.
    public func setUp(_ place: ContainerPlace) throws(RuntimeError) -> LaunchPlan {
        var plan = LaunchPlan()
        for (index, step) in steps.enumerated() {
            do {
                try step.setUp(place, plan: &plan)
            } catch {
                _ = Self.tearDown(Array(steps[...index]), place)
                throw error
            }
        }
        return plan
    }

    /// Tears every step down, last first.
    public func tearDown(_ place: ContainerPlace) -> [String] { Self.tearDown(steps, place) }

    static func tearDown(_ steps: [any LaunchStep], _ place: ContainerPlace) -> [String] {
        steps.reversed().flatMap { type(of: $0).tearDown(place) }
    }

    /// Every kind of step, in set-up order: the sweep tears all of them down for an abandoned container.
    static let allKinds: [any LaunchStep.Type] = [UserNamespaceStep.self, VolumesStep.self, OwnRootStep.self, CgroupStep.self, NetworkStep.self]

    /// Tears down every kind of step for `place`, last first.
    public static func sweep(_ place: ContainerPlace) -> [String] {
        allKinds.reversed().flatMap { $0.tearDown(place) }
    }
}
