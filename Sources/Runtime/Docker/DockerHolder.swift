import Foundation
import Images
import Policy

/// The docker backend's network holder (podman's "pause" container): a container with NetworkMode none
/// (a network namespace of its own) that only sleeps, running Debian's static catatonit (`catatonit -P`)
/// bind-mounted read-only, under the same floor as the workload. securerun joins that namespace to the
/// host, shapes it and applies its egress rules, and only then creates the workload with
/// `NetworkMode: container:<holder>`: the workload never sees an unshaped moment. Both go together.
public struct DockerHolder: Sendable {
    let engine: DockerEngine
    let stateRoot: URL
    let spec: HardenedSpec
    let imageDigest: String

    /// Where the pause binary is looked for.
    static let pauseCandidates = ["/usr/bin/catatonit", "/usr/libexec/podman/catatonit"]
    /// Where it is mounted in the holder.
    static let pausePath = "/dev/securerun-pause"

    /// A holder for a container of `spec` running image `imageDigest` (the workload's own image, already
    /// admitted: the holder needs no image of its own).
    public init(engine: DockerEngine, stateRoot: URL, spec: HardenedSpec, imageDigest: String) {
        self.engine = engine
        self.stateRoot = stateRoot
        self.spec = spec
        self.imageDigest = imageDigest
    }

    /// Creates and starts the holder; returns its init's host pid (whose network namespace is the container's)
    /// and the engine's hosts file for it (the workload's /etc/hosts too).
    func start(_ place: ContainerPlace, names: NetworkNames) throws(RuntimeError) -> (pid: Int32, hostsPath: String?) {
        guard let pause = Self.pauseCandidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw .networkToolMissing(tool: "catatonit", package: "catatonit")
        }
        // securerun.id too: the drop-in then treats the holder as the container it serves (network
        // connect, exec and update on it are judged against that container's record).
        let labels = ["securerun.id": place.id, "securerun.network-of": place.id, "securerun.root": names.rootTag, "securerun.role": "network-holder"]
        // A copy of its own in the container's directory, not the host's /usr/bin: an engine plugin judges a
        // bind of a host system path as any volume (refused), and securerun's claim names this file as its own.
        let ownPause = place.directory.appendingPathComponent("pause").path
        do {
            try? FileManager.default.removeItem(atPath: ownPause)
            try FileManager.default.copyItem(atPath: pause, toPath: ownPause)
        } catch {
            throw .stateFailure(path: ownPause, reason: "cannot copy \(pause): \(error.localizedDescription)")
        }
        let claim = EngineClaim(name: names.holder, labels: labels, ownFiles: [ownPause])
        let body = { (image: String) throws(RuntimeError) in
            try DockerCreate(holderFor: spec, image: image, labels: claim.labels, pause: ownPause, at: Self.pausePath)
        }
        let holder = try DockerBackend.create(
            engine: engine, stateRoot: stateRoot, manifestDigest: imageDigest, claim: claim,
            id: place.id, verb: "create (network holder)", body: body)
        try engine.call("POST", "/containers/\(holder)/start", verb: "start (network holder)")
        struct Inspect: Decodable {
            struct State: Decodable {
                var Pid: Int32
                var Running: Bool
            }
            var State: State
            var HostsPath: String?
        }
        let inspected = try engine.decode(
            Inspect.self, try engine.call("GET", "/containers/\(holder)/json", verb: "inspect (network holder)").body, verb: "inspect (network holder)")
        let state = inspected.State
        guard state.Running, state.Pid > 0 else {
            throw .networkFailed(action: "start the network holder container", reason: "\(names.holder) is not running")
        }
        return (state.Pid, inspected.HostsPath.flatMap { $0.hasPrefix("/") ? $0 : nil })
    }

    /// Removes the holder named `name` (with its namespace); nil when it is gone, else the problem.
    static func remove(_ name: String) -> String? {
        guard let engine = try? DockerEngine() else { return nil }
        do {
            try engine.removeContainer(name, verb: "rm (network holder)")
            return nil
        } catch {
            return error.description
        }
    }

    /// The names of every holder of the state root tagged `rootTag`, or nil when no engine answers.
    static func holders(rootTag: String) -> [(name: String, id: String)]? {
        guard let engine = try? DockerEngine(), FileManager.default.fileExists(atPath: engine.socket) else { return nil }
        let filter = "{\"label\":[\"securerun.root=\(rootTag)\",\"securerun.role=network-holder\"]}"
        let query = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        struct Listed: Decodable {
            var Names: [String]
            var Labels: [String: String]?
        }
        guard let response = try? engine.call("GET", "/containers/json?all=1&filters=\(query)", verb: "ps"),
            let listed = try? engine.decode([Listed].self, response.body, verb: "ps")
        else { return nil }
        return listed.compactMap { entry in
            guard let name = entry.Names.first.map({ String($0.drop(while: { $0 == "/" })) }), let id = entry.Labels?["securerun.network-of"] else {
                return nil
            }
            return (name, id)
        }
    }
}
