import Foundation
import Policy

/// Each volume's host source pinned (no symlink swap after the policy check) and bind-mounted under
/// `<dir>/volumes/<index>`, so the runtime mounts only paths securerun controls.
public struct VolumesStep: LaunchStep {
    let volumes: [BindMount]
    /// The container's user and group, which a writable volume's owner appears as in a user namespace.
    let user: UserID?

    /// The step for `volumes`, mounted for a container running as `user`.
    public init(volumes: [BindMount], user: UserID? = nil) {
        self.volumes = volumes
        self.user = user
    }
    public var name: String { "volumes" }

    public func setUp(_ place: ContainerPlace, plan: inout LaunchPlan) throws(RuntimeError) {
        for volume in volumes where !FileManager.default.fileExists(atPath: volume.source) {
            throw .volumeSourceMissing(volume.source)
        }
        let owners = plan.idMapping.flatMap { mapping in user.map { VolumeOwnerMap(mapping: mapping, user: $0) } }
        plan.volumeSources = try ContainerMounts(directory: place.directory).stageVolumes(volumes, owners: owners, idmapped: &plan.idmappedVolumes)
        // The runtime binds each staged volume from inside the container's user namespace, as its root,
        // which the host treats as nobody: it needs to pass through (not list) the staging directory.
        if plan.idMapping != nil, !volumes.isEmpty {
            chmod(place.directory.appendingPathComponent("volumes").path, 0o701)
        }
    }

    public static func tearDown(_ place: ContainerPlace) -> [String] {
        release(place.directory.appendingPathComponent("volumes", isDirectory: true))
    }

    /// Unmounts beneath `directory`; a mount that stays is reported (the directory is then kept).
    static func release(_ directory: URL) -> [String] {
        do {
            let remaining = try ContainerMounts.release(directory)
            return remaining.isEmpty ? [] : [RuntimeError.mountsRemain(directory: directory.path, mountPoints: remaining).description]
        } catch {
            return [error.description]
        }
    }
}

/// The container's own root: an overlay over the shared, never-written image rootfs.
public struct OwnRootStep: LaunchStep {
    let sharedRootfs: URL

    /// The step for an image whose shared rootfs is `sharedRootfs`.
    public init(sharedRootfs: URL) {
        self.sharedRootfs = sharedRootfs
    }
    public var name: String { "own root" }

    public func setUp(_ place: ContainerPlace, plan: inout LaunchPlan) throws(RuntimeError) {
        let mounts = ContainerMounts(directory: place.directory)
        if let mapping = plan.idMapping {
            do {
                plan.rootfs = try mounts.mountRoot(over: sharedRootfs, idMapping: mapping)
                return
            } catch {
                if plan.idMappingRequired { throw error }
                _ = Self.tearDown(place)
                plan.idMapping = nil
                plan.warnings.append("running without a user namespace (the profile prefers one): \(error.description)")
            }
        }
        plan.rootfs = try mounts.mountRoot(over: sharedRootfs)
    }

    public static func tearDown(_ place: ContainerPlace) -> [String] {
        VolumesStep.release(place.directory.appendingPathComponent("rootfs", isDirectory: true))
            + VolumesStep.release(place.directory.appendingPathComponent("layer", isDirectory: true))
    }
}

/// The runtime makes and removes the container's cgroup; this removes what a killed runtime left.
public struct CgroupStep: LaunchStep {
    /// The step.
    public init() {}

    public var name: String { "cgroup" }

    public func setUp(_ place: ContainerPlace, plan: inout LaunchPlan) throws(RuntimeError) {}

    public static func tearDown(_ place: ContainerPlace) -> [String] {
        CgroupLayout.current().removeLeftovers(cgroupsPath: place.cgroupsPath)
        return []
    }
}
