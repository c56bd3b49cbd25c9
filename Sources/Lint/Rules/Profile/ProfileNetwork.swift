/// SR205: networking that reaches everything or is unbounded: the host's network, a private network without
/// bandwidth limits, or an egress allow-list that allows every address.
public enum ProfileNetwork: ProfileRule {
    public static let description = RuleDescription(
        id: "SR205", name: "profile-network", severity: .warning, kinds: [.profile],
        summary: "networking is none, or private with bandwidth limits and a narrow egress allow-list",
        explanation: """
            network: none gives a container loopback only. A private network needs egressRate and ingressRate (a \
            container could otherwise saturate the host's link), and an egress allow-list naming what it may \
            reach: 0.0.0.0/0 or ::/0 there reaches the whole internet and the host's neighbours, the path data \
            leaves by. The host's network is never allowed.
            Fix: keep network: none, or give mode: private with egressRate, ingressRate and egress.allow of the \
            addresses the program needs.
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        guard let node = profile.root.at("network") else { return }
        if let mode = node.text {
            if mode == "host" { sink.add(description, "network: host shares the host's interfaces and loopback services", field: "network", severity: .error) }
            return
        }
        guard node.mapping != nil else { return }
        let mode = profile.scalar("network.mode") ?? "none"
        if mode == "host" {
            sink.add(description, "network.mode host shares the host's interfaces and loopback services", field: "network.mode", severity: .error)
        }
        guard mode != "none" else { return }
        for rate in ["egressRate", "ingressRate"] where profile.scalar("network.\(rate)") == nil {
            sink.add(
                description, "network.\(rate) is not set: traffic \(rate == "egressRate" ? "out of" : "into") the container is unbounded", field: "network")
        }
        for (offset, entry) in (profile.list("network.egress.allow") ?? []).enumerated() {
            guard let text = entry.text else { continue }
            let address = text.split(separator: ":", maxSplits: 1).first.map(String.init) ?? text
            if ["0.0.0.0/0", "::/0", "0.0.0.0", "*", "any"].contains(address) || text.hasPrefix("::/0") {
                sink.add(
                    description, "network.egress.allow \"\(text)\" reaches every address; list the addresses the program needs",
                    field: "network.egress.allow[\(offset)]")
            }
        }
    }
}
