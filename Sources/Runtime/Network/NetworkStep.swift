import Foundation
import HostSystem
import Policy

/// A private container's network, as one launch step for every backend: a namespace of its own (a named
/// one runc joins, or the docker backend's holder container's, attached under the same name), a veth pair
/// to the host with a /30 from the profile's range, both directions shaped with tc, and the egress rules
/// inside the namespace, all in place before the container's process starts. Published ports are
/// proxied by the container's owner (see `PortProxy`).
public struct NetworkStep: LaunchStep {
    /// Whose network namespace the container gets.
    public enum Namespace: Sendable {
        /// `ip netns add`: runc joins it through config.json.
        case named
        /// The docker backend's holder container's (`ip netns attach`); the workload joins it with
        /// `NetworkMode: container:<holder>`.
        case dockerHolder(DockerHolder)
    }

    let spec: NetworkSpec
    let namespace: Namespace

    /// The step for `spec` (private), in `namespace`.
    public init(spec: NetworkSpec, namespace: Namespace) {
        self.spec = spec
        self.namespace = namespace
    }

    public var name: String { "network" }

    public func setUp(_ place: ContainerPlace, plan: inout LaunchPlan) throws(RuntimeError) {
        for tool in ["ip", "tc", "nft", "sysctl"] { _ = try NetworkTools.locate(tool) }
        let names = NetworkNames(place)
        let records = NetworkRecords(stateRoot: place.stateRoot)
        var holderName: String?
        if case .dockerHolder = namespace { holderName = names.holder }
        // One start at a time chooses and configures, so no two containers get the same /30.
        let lock = try AddressPool.lock()
        let network = try withExtendedLifetime(lock) { () throws(RuntimeError) -> NetworkPlan in
            var network: NetworkPlan
            if let name = spec.attach {
                // A securerun network: a port of its bridge and an address in its subnet.
                let (shared, attachment) = try SharedNetworks(stateRoot: place.stateRoot).attach(name)
                network = NetworkPlan(names: names, subnet: shared.subnet, spec: spec, holder: holderName)
                network.attachment = attachment
                if case .named = namespace { network.hostsFile = place.directory.appendingPathComponent("hosts").path }
            } else {
                network = NetworkPlan(names: names, subnet: try AddressPool.choose(spec.addressRange), spec: spec, holder: holderName)
            }
            try records.write(network)
            let rules = place.directory.appendingPathComponent("network.nft")
            let hostRules = place.directory.appendingPathComponent("network-host.nft")
            try Self.write(network.containerRuleset, to: rules)
            if network.forwards { try Self.write(network.hostRuleset, to: hostRules) }
            switch namespace {
            case .named:
                try NetworkTools.run("ip", ["netns", "add", names.namespace], action: "make the container's network namespace")
            case .dockerHolder(let holder):
                let started = try holder.start(place, names: names)
                try NetworkTools.run("ip", ["netns", "attach", names.namespace, "\(started.pid)"], action: "name the holder container's network namespace")
                // The workload shares the holder's /etc/hosts (the engine's file for it).
                if network.attachment != nil {
                    network.hostsFile = started.hostsPath
                    try records.write(network)
                }
            }
            for command in network.commands(hostNamespace: "/proc/\(getpid())/ns/net", rulesFile: rules.path, hostRulesFile: hostRules.path) {
                try NetworkTools.run(command.tool, command.arguments, action: command.action)
            }
            if let attachment = network.attachment { SharedNetworks(stateRoot: place.stateRoot).refreshHosts(attachment.network) }
            return network
        }
        plan.network = network
    }

    public static func tearDown(_ place: ContainerPlace) -> [String] {
        remove(NetworkNames(place), stateRoot: place.stateRoot)
    }

    /// Removes everything of the network `names` describes (whatever of it exists), then its record.
    /// Returns problems; the record stays while anything could not be removed, so a later sweep retries.
    static func remove(_ names: NetworkNames, stateRoot: URL) -> [String] {
        let records = NetworkRecords(stateRoot: stateRoot)
        let record = records.read(names.id)
        var problems: [String] = []
        if let holder = record?.holder, let problem = DockerHolder.remove(holder) { problems.append(problem) }
        if record?.forwards == true {
            if let problem = NetworkTools.remove("nft", ["delete", "table", "ip", names.hostTable], action: "remove the host rules") {
                problems.append(problem)
            }
        }
        // Only interfaces whose alias names this container: another container whose short name collides
        // keeps its own (this one's set-up then failed when it moved its interfaces to the host).
        for interface in [names.hostInterface, names.ifbInterface] where NetworkTools.alias(of: interface) == names.alias {
            if let problem = NetworkTools.remove("ip", ["link", "del", interface], action: "remove \(interface)") { problems.append(problem) }
        }
        if FileManager.default.fileExists(atPath: names.namespacePath) {
            if let problem = NetworkTools.remove("ip", ["netns", "del", names.namespace], action: "remove the network namespace") {
                problems.append(problem)
            }
        }
        if problems.isEmpty {
            records.remove(names.id)
            // The network's other containers stop naming this one.
            if let network = record?.attachment?.network { SharedNetworks(stateRoot: stateRoot).refreshHosts(network) }
        }
        return problems
    }

    static func write(_ text: String, to url: URL) throws(RuntimeError) {
        do {
            try AtomicWrite.text(text, to: url)
        } catch {
            throw .stateFailure(path: url.path, reason: "\(error)")
        }
    }
}
