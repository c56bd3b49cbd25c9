import Foundation
import HostSystem
import Policy
import StrictJSON

/// One IPv4 route of the host (any table), as `ip -j route show table all` prints it.
struct HostRoute: Sendable, Equatable {
    var network: IPv4Network
    var device: String?
    var text: String

    /// Whether a securerun container's host end or a securerun network's bridge carries it (any state root's:
    /// `sr…h`/`sr…i`/`sr…b`, 15 bytes).
    var isSecurerun: Bool {
        guard let device else { return false }
        return device.hasPrefix(NetworkNames.interfacePrefix) && device.utf8.count == 15
            && (device.hasSuffix("h") || device.hasSuffix("i") || device.hasSuffix("b"))
    }
}

/// Chooses each private container's /30 from the profile's range. The host's routing table is the lease
/// table: a /30 is taken while a route covers it (the container's host end carries one), so containers of
/// every state root on the host, and anything else the host routes, are never given twice. Choosing and
/// configuring happen under one host-wide lock, so two starts never pick the same /30.
enum AddressPool {
    /// The host-wide lock (securerun's, in /run: gone at reboot, like the namespaces it guards).
    static let lockDirectory = "/run/securerun"

    /// Takes the host-wide network lock (waits for another start to finish its set-up).
    static func lock() throws(RuntimeError) -> FileLock {
        if mkdir(lockDirectory, 0o700) != 0 && errno != EEXIST {
            throw .networkFailed(action: "lock the address range", reason: "cannot make \(lockDirectory): \(String(cString: strerror(errno)))")
        }
        do {
            return try FileLock.acquire(lockDirectory + "/network.lock")
        } catch {
            throw .networkFailed(action: "lock the address range", reason: "\(error)")
        }
    }

    /// The host's IPv4 routes in every table (local addresses included).
    static func routes() throws(RuntimeError) -> [HostRoute] {
        let text = try NetworkTools.run("ip", ["-j", "-4", "route", "show", "table", "all"], action: "read the host's routes")
        struct Entry: Decodable {
            var dst: String?
            var dev: String?
            var type: String?
        }
        let entries: [Entry]
        do {
            entries = try StrictJSONDecoder(limits: JSONLimits(maxBytes: 64 << 20, maxDepth: 16)).decode([Entry].self, from: Array(text.utf8))
        } catch {
            throw .networkFailed(action: "read the host's routes", reason: "unexpected output of ip -j route: \(error)")
        }
        return entries.compactMap { entry in
            guard let dst = entry.dst, dst != "default", let network = IPv4Network(parsing: dst, strict: false) else { return nil }
            return HostRoute(network: network, device: entry.dev, text: "\(entry.type.map { "\($0) " } ?? "")\(dst)\(entry.dev.map { " dev \($0)" } ?? "")")
        }
    }

    /// A route of the host's own (not a securerun container's) that overlaps `range`, if any. Default
    /// routes overlap everything and are not counted.
    static func conflict(_ range: IPv4Network, routes: [HostRoute]) -> HostRoute? {
        routes.first { !$0.isSecurerun && $0.network.prefix > 0 && $0.network.overlaps(range) }
    }

    /// The first /30 of `range` that no route covers, or nil when every one is taken.
    static func firstFree(_ range: IPv4Network, routes: [HostRoute]) -> IPv4Network? {
        let taken = routes.map(\.network).filter { $0.overlaps(range) }
        var address = range.address
        while UInt64(address) + 3 <= UInt64(range.last) {
            let candidate = IPv4Network(address: address, prefix: 30)
            if !taken.contains(where: { $0.overlaps(candidate) }) { return candidate }
            address += 4
        }
        return nil
    }

    /// The /30 for a new container, checked against the host's routes (call under `lock()`).
    static func choose(_ range: IPv4Network) throws(RuntimeError) -> IPv4Network {
        let routes = try routes()
        if let conflict = conflict(range, routes: routes) {
            throw .addressRangeConflict(range: range.description, route: conflict.text)
        }
        guard let subnet = firstFree(range, routes: routes) else { throw .addressRangeExhausted(range: range.description) }
        return subnet
    }
}

extension NetworkPlan {
    /// The plan a container `id` would get now (`--dry-run`): the /30 is the first free one at this
    /// moment, not reserved. A range that overlaps the host's routes throws, as the start would.
    public static func preview(_ spec: NetworkSpec, stateRoot: URL, id: String, docker: Bool) throws(RuntimeError) -> NetworkPlan {
        let names = NetworkNames(rootTag: SpecBuilder.rootTag(stateRoot), id: id)
        let routes = try AddressPool.routes()
        if let conflict = AddressPool.conflict(spec.addressRange, routes: routes) {
            throw .addressRangeConflict(range: spec.addressRange.description, route: conflict.text)
        }
        guard let subnet = AddressPool.firstFree(spec.addressRange, routes: routes) else {
            throw .addressRangeExhausted(range: spec.addressRange.description)
        }
        return NetworkPlan(names: names, subnet: subnet, spec: spec, holder: docker ? names.holder : nil)
    }
}
