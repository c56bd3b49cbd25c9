import Foundation
import HostSystem

/// Finds what of a state root's private networks no live container owns, and removes it: kept plans
/// whose container is gone, then (so nothing hides from a missing plan) every interface, named namespace,
/// host nftables table and docker holder of this state root. Only this state root's: interfaces by their
/// alias (`securerun <root tag> <id>`), the rest by the full tag in their names or labels. The quick pass
/// (every command) reads directories only; the thorough one (`securerun gc`) also asks nft and docker.
public enum NetworkSweep {
    /// Removes orphans; `isLive(id)` says whether container `id` still owns its network. Returns one line
    /// per thing removed and per problem.
    public static func run(stateRoot: URL, thorough: Bool, isLive: (String) -> Bool) -> [String] {
        let rootTag = SpecBuilder.rootTag(stateRoot)
        var messages: [String] = []
        for id in NetworkRecords(stateRoot: stateRoot).ids() where !isLive(id) {
            let problems = NetworkStep.remove(NetworkNames(rootTag: rootTag, id: id), stateRoot: stateRoot)
            messages += problems.isEmpty ? ["removed the network of container \(id), which is gone"] : problems
        }
        let prefix = NetworkNames(rootTag: rootTag, id: "").rootPrefix
        for interface in ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")) ?? []).sorted()
        where interface.hasPrefix(prefix) && interface.utf8.count == 15 {
            guard let alias = NetworkTools.alias(of: interface), let id = NetworkNames.rest(of: alias, after: "securerun \(rootTag) ") else {
                continue
            }
            guard !isLive(id) else { continue }
            if let problem = NetworkTools.remove("ip", ["link", "del", interface], action: "remove \(interface)") {
                messages.append(problem)
            } else {
                messages.append("removed interface \(interface) of container \(id), which is gone")
            }
        }
        // Bridges of networks whose record is gone (a killed `network create` or `network rm`).
        let networks = SharedNetworks(stateRoot: stateRoot)
        for interface in ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")) ?? []).sorted()
        where interface.hasPrefix(prefix) && interface.utf8.count == 15 && interface.hasSuffix("b") {
            guard let alias = NetworkTools.alias(of: interface),
                let name = NetworkNames.rest(of: alias, after: "securerun-network \(rootTag) "), networks.read(name) == nil
            else { continue }
            if let problem = networks.removeBridge(name) {
                messages.append(problem)
            } else {
                messages.append("removed bridge \(interface) of network \(name), which is gone")
            }
        }
        for namespace in ((try? FileManager.default.contentsOfDirectory(atPath: NetworkNames.namespaceDirectory)) ?? []).sorted() {
            guard let id = NetworkNames.id(in: namespace, prefix: "securerun-", rootTag: rootTag), !isLive(id) else { continue }
            if let problem = NetworkTools.remove("ip", ["netns", "del", namespace], action: "remove network namespace \(namespace)") {
                messages.append(problem)
            } else {
                messages.append("removed network namespace \(namespace), whose container is gone")
            }
        }
        guard thorough else { return messages }
        if let tables = try? NetworkTools.run("nft", ["list", "tables"], action: "list nftables tables") {
            for line in tables.split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                if words.count == 3, words[0] == "table", words[1] == "ip", let name = NetworkNames.id(in: words[2], prefix: "srnet-", rootTag: rootTag),
                    networks.read(name) == nil
                {
                    messages.append(networks.removeBridge(name) ?? "removed host rules \(words[2]) of network \(name), which is gone")
                    continue
                }
                guard words.count == 3, words[0] == "table", words[1] == "ip",
                    let id = NetworkNames.id(in: words[2], prefix: "securerun-", rootTag: rootTag), !isLive(id)
                else { continue }
                if let problem = NetworkTools.remove("nft", ["delete", "table", "ip", words[2]], action: "remove host rules \(words[2])") {
                    messages.append(problem)
                } else {
                    messages.append("removed host rules \(words[2]), whose container is gone")
                }
            }
        }
        for holder in DockerHolder.holders(rootTag: rootTag) ?? [] where !isLive(holder.id) {
            if let problem = DockerHolder.remove(holder.name) {
                messages.append(problem)
            } else {
                messages.append("removed network holder \(holder.name), whose container is gone")
            }
        }
        return messages
    }
}
