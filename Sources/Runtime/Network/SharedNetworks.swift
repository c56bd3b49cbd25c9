import Foundation
import HostSystem
import Policy
import StrictJSON

/// A securerun network (`securerun network create NAME`): a bridge on the host that the containers joining
/// it share. Each keeps its own veth pair (a port of the bridge), its own caps both ways and its own rules,
/// which accept the network's subnet besides the host end and the profile's allow-list.
public struct SharedNetwork: Sendable, Equatable, Codable {
    /// Its name.
    public var name: String
    /// Its subnet (a /24 by default); the bridge takes the first address, containers the rest.
    public var subnet: IPv4Network
    /// Whether it reaches nothing outside itself: no route out, no allow-list, not even the host end.
    public var `internal`: Bool
    /// When it was created (RFC 3339).
    public var created: String

    /// The gateway: the bridge's own address.
    public var gateway: UInt32 { subnet.address + 1 }
}

/// The securerun networks of a state root (`<root>/networks/<name>.json`), and their bridges on the host.
/// Creating, joining and removing happen under the host-wide network lock (`AddressPool.lock()`), so a
/// subnet, an address or a bridge is never given twice.
public struct SharedNetworks: Sendable {
    /// securerun's state root.
    public let stateRoot: URL

    /// The networks of `stateRoot`.
    public init(stateRoot: URL) {
        self.stateRoot = stateRoot
    }

    /// Where new networks take their /24 from when `--subnet` is not given.
    public static let defaultPool = IPv4Network(address: 0x0AD6_0000, prefix: 16)

    var directory: URL { StateRoot(stateRoot).networks }
    var rootTag: String { SpecBuilder.rootTag(stateRoot) }

    func file(_ name: String) -> URL { directory.appendingPathComponent("\(name).json") }

    /// The bridge of network `name`.
    public func bridge(_ name: String) -> String { NetworkNames.bridge(rootTag: rootTag, network: name) }

    /// Network `name`, or nil when there is none (or its record cannot be read).
    public func read(_ name: String) -> SharedNetwork? {
        guard NetworkName.problem(name) == nil, let bytes = try? FileContents.read(file(name).path, limit: 1 << 16) else { return nil }
        return try? StrictJSONDecoder().decode(SharedNetwork.self, from: bytes)
    }

    /// Every network, by name.
    public func list() -> [SharedNetwork] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().compactMap { read(String($0.dropLast(5))) }
    }

    /// The kept network plans of the containers on network `name`.
    public func members(_ name: String) -> [NetworkPlan] {
        let records = NetworkRecords(stateRoot: stateRoot)
        return records.ids().compactMap { records.read($0) }.filter { $0.attachment?.network == name }
    }

    /// Creates network `name` with `subnet` (or the first free /24 of the default pool) and its bridge.
    public func create(_ name: String, internal: Bool, subnet requested: IPv4Network?) throws(RuntimeError) -> SharedNetwork {
        if let problem = NetworkName.problem(name) { throw .invalidNetwork(name: name, reason: problem) }
        for tool in ["ip", "nft", "sysctl"] { _ = try NetworkTools.locate(tool) }
        let lock = try AddressPool.lock()
        return try withExtendedLifetime(lock) { () throws(RuntimeError) -> SharedNetwork in
            guard read(name) == nil else {
                throw .invalidNetwork(name: name, reason: "a network of that name exists; remove it first (securerun network rm \(name))")
            }
            let routes = try AddressPool.routes()
            let taken = list().map(\.subnet) + routes.map(\.network).filter { $0.prefix > 0 }
            let subnet: IPv4Network
            if let requested {
                guard (16...29).contains(requested.prefix) else {
                    throw .invalidNetwork(name: name, reason: "--subnet \(requested) must be a /16 to /29 (the bridge takes one address, each container one)")
                }
                if let clash = taken.first(where: { $0.overlaps(requested) }) {
                    throw .invalidNetwork(name: name, reason: "--subnet \(requested) overlaps \(clash), which the host routes or another network has")
                }
                subnet = requested
            } else {
                guard let free = Self.firstFree(in: Self.defaultPool, prefix: 24, taken: taken) else {
                    throw .invalidNetwork(name: name, reason: "every /24 of \(Self.defaultPool) is in use; give one with --subnet CIDR")
                }
                subnet = free
            }
            let network = SharedNetwork(name: name, subnet: subnet, internal: `internal`, created: ISO8601DateFormatter().string(from: Date()))
            try write(network)
            do throws(RuntimeError) {
                try ensureBridge(network)
            } catch {
                _ = removeBridge(name)
                unlink(file(name).path)
                throw error
            }
            return network
        }
    }

    /// Removes network `name` and its bridge; refused while a container is on it.
    public func remove(_ name: String) throws(RuntimeError) {
        let lock = try AddressPool.lock()
        try withExtendedLifetime(lock) { () throws(RuntimeError) in
            guard read(name) != nil else { throw .invalidNetwork(name: name, reason: "no such network (securerun network ls lists them)") }
            let members = members(name).map(\.names.id)
            guard members.isEmpty else {
                throw .invalidNetwork(name: name, reason: "containers are on it (\(members.joined(separator: ", "))); remove them first")
            }
            if let problem = removeBridge(name) { throw .networkFailed(action: "remove network \(name)", reason: problem) }
            unlink(file(name).path)
        }
    }

    /// Makes the bridge of `network` unless it exists (it is gone after a reboot): its address, its alias,
    /// and the host table that lets nothing forwarded start a connection into it (containers on it are
    /// reached from other networks only as replies). Traffic between its own ports passes: where
    /// br_netfilter is loaded (dockerd loads it), bridged frames cross the forward hook too.
    func ensureBridge(_ network: SharedNetwork) throws(RuntimeError) {
        let bridge = bridge(network.name)
        let table = NetworkNames.networkTable(rootTag: rootTag, network: network.name)
        if NetworkTools.interfaceExists(bridge) {
            guard NetworkTools.alias(of: bridge) == NetworkNames.bridgeAlias(rootTag: rootTag, network: network.name) else {
                throw .networkFailed(action: "join network \(network.name)", reason: "interface \(bridge) exists but is not this network's bridge")
            }
            return
        }
        let rules = """
            table ip \(table) {
              chain forward {
                type filter hook forward priority filter; policy accept;
                iifname "\(bridge)" oifname "\(bridge)" accept
                oifname "\(bridge)" ct state established,related accept
                oifname "\(bridge)" drop
            \(network.internal ? "    iifname \"\(bridge)\" drop\n" : "")  }
            }

            """
        let rulesFile = directory.appendingPathComponent(".\(network.name).nft")
        do {
            try AtomicWrite.text(rules, to: rulesFile)
        } catch {
            throw .stateFailure(path: rulesFile.path, reason: "\(error)")
        }
        defer { unlink(rulesFile.path) }
        let gateway = IPv4Network.format(network.gateway)
        try NetworkTools.run("ip", ["link", "add", bridge, "type", "bridge"], action: "make network \(network.name)'s bridge")
        try NetworkTools.run(
            "ip", ["link", "set", bridge, "alias", NetworkNames.bridgeAlias(rootTag: rootTag, network: network.name)], action: "name the bridge's owner")
        try NetworkTools.run("sysctl", ["-q", "-w", "net.ipv6.conf.\(bridge).disable_ipv6=1"], action: "turn IPv6 off on the bridge")
        try NetworkTools.run("ip", ["addr", "add", "\(gateway)/\(network.subnet.prefix)", "dev", bridge], action: "address the bridge")
        try NetworkTools.run("ip", ["link", "set", bridge, "up"], action: "bring up the bridge")
        _ = NetworkTools.remove("nft", ["delete", "table", "ip", table], action: "replace the network's host rules")
        try NetworkTools.run("nft", ["-f", rulesFile.path], action: "apply network \(network.name)'s host rules")
    }

    /// Removes the bridge and host table of network `name` (whatever of them exists); the problem, if any.
    func removeBridge(_ name: String) -> String? {
        let bridge = bridge(name)
        var problems: [String] = []
        if NetworkTools.alias(of: bridge) == NetworkNames.bridgeAlias(rootTag: rootTag, network: name),
            let problem = NetworkTools.remove("ip", ["link", "del", bridge], action: "remove bridge \(bridge)")
        {
            problems.append(problem)
        }
        if let problem = NetworkTools.remove(
            "nft", ["delete", "table", "ip", NetworkNames.networkTable(rootTag: rootTag, network: name)], action: "remove the network's host rules")
        {
            problems.append(problem)
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// The attachment of a new container on network `name` (call under `AddressPool.lock()`): the bridge
    /// made if it is gone, and the first address no other container of the network has.
    func attach(_ name: String) throws(RuntimeError) -> (SharedNetwork, NetworkPlan.Attachment) {
        guard let network = read(name) else {
            throw .invalidNetwork(name: name, reason: "no such network; create it with securerun network create \(name)")
        }
        try ensureBridge(network)
        let taken = Set(members(name).compactMap { $0.attachment?.address })
        var address = network.gateway + 1
        while address < network.subnet.last, taken.contains(address) { address += 1 }
        guard address < network.subnet.last else {
            throw .invalidNetwork(name: name, reason: "every address of \(network.subnet) is taken; remove a container from it")
        }
        return (network, NetworkPlan.Attachment(network: name, bridge: bridge(name), address: address, internal: network.internal))
    }

    /// Rewrites, in place, the hosts file of every container on network `name`: each names every container
    /// of the network by its name (its own first). In place, since each is bind-mounted as the container's
    /// /etc/hosts and a rename would leave the container reading the old file.
    public func refreshHosts(_ name: String) {
        guard NetworkName.problem(name) == nil else { return }
        let lock = try? FileLock.acquire(AddressPool.lockDirectory + "/hosts-\(rootTag).lock")
        withExtendedLifetime(lock) {
            let members = members(name).sorted { $0.names.id < $1.names.id }
            let containerNames = containerNames()
            for member in members {
                guard let path = member.hostsFile else { continue }
                var lines = ["# securerun network \(name): written by securerun when a container joins or leaves", "127.0.0.1\tlocalhost"]
                for other in [member] + members.filter({ $0.names.id != member.names.id }) {
                    let id = other.names.id
                    lines.append(([other.containerAddress] + (containerNames[id] ?? []) + [String(id.prefix(12))]).joined(separator: "\t"))
                }
                Self.overwrite(path, with: lines.joined(separator: "\n") + "\n")
            }
        }
    }

    /// Container ids and the names reserved for them (`<root>/names/<name>` holds the id).
    func containerNames() -> [String: [String]] {
        let directory = StateRoot(stateRoot).names
        var result: [String: [String]] = [:]
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted() where !name.hasPrefix(".") {
            guard let text = try? FileContents.text(directory.appendingPathComponent(name).path, limit: 4096) else { continue }
            result[text.trimmingCharacters(in: .whitespacesAndNewlines), default: []].append(name)
        }
        return result
    }

    /// Replaces the content of `path` without replacing the file (never through a symlink).
    static func overwrite(_ path: String, with text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        fchmod(fd, 0o644)
        try? FileContents.writeAll(fd: fd, Array(text.utf8), path: path)
    }

    func write(_ network: SharedNetwork) throws(RuntimeError) {
        if mkdir(directory.path, 0o700) != 0 && errno != EEXIST {
            throw .stateFailure(path: directory.path, reason: String(cString: strerror(errno)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(network) else { throw .stateFailure(path: file(network.name).path, reason: "cannot encode the network") }
        do {
            try AtomicWrite.text(String(decoding: data, as: UTF8.self), to: file(network.name))
        } catch {
            throw .stateFailure(path: file(network.name).path, reason: "\(error)")
        }
    }

    /// The first `/prefix` of `pool` that overlaps nothing in `taken`.
    static func firstFree(in pool: IPv4Network, prefix: Int, taken: [IPv4Network]) -> IPv4Network? {
        let step = UInt64(1) << UInt64(32 - prefix)
        var address = UInt64(pool.address)
        while address + step - 1 <= UInt64(pool.last) {
            let candidate = IPv4Network(address: UInt32(address), prefix: prefix)
            if !taken.contains(where: { $0.overlaps(candidate) }) { return candidate }
            address += step
        }
        return nil
    }
}
