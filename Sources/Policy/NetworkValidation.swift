/// The profile's `network:` section: `none` (the shorthand), or a mapping with the mode, the address range
/// securerun owns, both rates (required for `private`), the egress allow-list and what may be published.
extension ProfileValidator {
    func validateNetwork() throws(PolicyError) -> NetworkProfile {
        guard let document = document.network else { return .none }
        let modeText = document.mode ?? "none"
        guard let mode = NetworkMode(rawValue: modeText) else {
            let known = NetworkMode.allCases.map(\.rawValue).joined(separator: ", ")
            let field = document.addressRange == nil && document.egressRate == nil ? "network" : "network.mode"
            throw .invalidField(path: path, field: field, reason: "\"\(modeText)\" is not a network mode securerun supports (\(known))")
        }
        let range = try validateRange(document.addressRange)
        let egress = try shaping(document.egressRate, burst: document.egressBurst, field: "egress", mode: mode)
        let ingress = try shaping(document.ingressRate, burst: document.ingressBurst, field: "ingress", mode: mode)
        var allow: [EgressRule] = []
        for (index, text) in (document.egress?.allow ?? []).enumerated() {
            let field = "network.egress.allow[\(index)]"
            switch EgressRule.parse(text) {
            case .failure(let problem):
                throw .invalidField(path: path, field: field, reason: problem.description)
            case .success(let rule):
                // Other containers' addresses come from this range: listing it would connect them.
                if rule.network.overlaps(range) {
                    throw .invalidField(
                        path: path, field: field,
                        reason: "\(text) overlaps network.addressRange \(range), where other containers live; containers never reach one another")
                }
                allow.append(rule)
            }
        }
        var hostAddresses = ["127.0.0.1"]
        if let listed = document.publish?.hostAddresses {
            for (index, text) in listed.enumerated() where IPv4Network.parseAddress(text) == nil {
                throw .invalidField(
                    path: path, field: "network.publish.hostAddresses[\(index)]", reason: "\"\(text)\" is not an IPv4 address such as 127.0.0.1")
            }
            guard !listed.isEmpty else {
                throw .invalidField(
                    path: path, field: "network.publish.hostAddresses", reason: "is empty; list the host addresses ports may bind, such as 127.0.0.1")
            }
            hostAddresses = listed.map { IPv4Network.format(IPv4Network.parseAddress($0) ?? 0) }
        }
        let publish = PublishPolicy(allowed: document.publish?.allowed ?? false, hostAddresses: hostAddresses)
        if publish.allowed, mode == .none {
            throw .invalidField(path: path, field: "network.publish.allowed", reason: "ports can only be published with mode private")
        }
        var profile = NetworkProfile(mode: mode, addressRange: range, egress: egress, ingress: ingress, egressAllow: allow, publish: publish)
        profile.allowedNetworks = try validateAllowedNetworks(document.allowedNetworks, mode: mode)
        return profile
    }

    /// `network.allowedNetworks`: names of securerun networks, or `*` for any; only with mode private (a
    /// network is a bridge shared with other containers, shaped and filtered like a private link).
    func validateAllowedNetworks(_ names: [String]?, mode: NetworkMode) throws(PolicyError) -> [String] {
        guard let names, !names.isEmpty else { return [] }
        guard mode == .private else {
            throw .invalidField(path: path, field: "network.allowedNetworks", reason: "containers join networks only with mode private")
        }
        for (index, name) in names.enumerated() where name != "*" {
            if let problem = NetworkName.problem(name) {
                throw .invalidField(path: path, field: "network.allowedNetworks[\(index)]", reason: problem + " (or * for any securerun network)")
            }
        }
        return names
    }

    func validateRange(_ text: String?) throws(PolicyError) -> IPv4Network {
        guard let text else { return NetworkProfile.defaultRange }
        let field = "network.addressRange"
        guard let range = IPv4Network(parsing: text) else {
            let reason =
                IPv4Network(parsing: text, strict: false) != nil
                ? "\(text) has host bits set; write the network address (such as 10.213.0.0/16)"
                : "\"\(text)\" is not an IPv4 CIDR range such as 10.213.0.0/16"
            throw .invalidField(path: path, field: field, reason: reason)
        }
        guard (8...30).contains(range.prefix) else {
            throw .invalidField(path: path, field: field, reason: "\(text) must be a /8 to /30: each container takes a /30 from it")
        }
        // Ranges whose addresses mean something else to the kernel or to clouds.
        let reserved: [(String, String)] = [
            ("0.0.0.0/8", "\"this network\""), ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local (cloud metadata lives there)"),
            ("224.0.0.0/3", "multicast and reserved"),
        ]
        for (cidr, what) in reserved {
            if let other = IPv4Network(parsing: cidr), range.overlaps(other) {
                throw .invalidField(
                    path: path, field: field, reason: "\(text) overlaps \(cidr), which is \(what); choose a private range such as 10.213.0.0/16")
            }
        }
        return range
    }

    func shaping(_ rateText: String?, burst burstText: String?, field: String, mode: NetworkMode) throws(PolicyError) -> Shaping? {
        guard let rateText else {
            if mode == .private {
                throw .invalidField(
                    path: path, field: "network.\(field)Rate",
                    reason:
                        "is required with mode private (such as 10mbit): without a cap, one container could take the host's bandwidth")
            }
            return nil
        }
        guard let rate = BitRate(parsing: rateText) else {
            throw .invalidField(path: path, field: "network.\(field)Rate", reason: "\"\(rateText)\" is not a rate such as 10mbit, 500kbit or 1gbit")
        }
        guard rate.bitsPerSecond >= 8000 else {
            throw .invalidField(path: path, field: "network.\(field)Rate", reason: "\(rateText) is below the 8kbit minimum")
        }
        var burst = Shaping.defaultBurst(for: rate)
        if let burstText {
            guard let parsed = ByteSize(parsing: burstText), parsed.bytes >= 2048, parsed.bytes <= 1 << 30 else {
                throw .invalidField(
                    path: path, field: "network.\(field)Burst", reason: "\"\(burstText)\" is not a size from 2k to 1g (bytes sent at once, such as 32k)")
            }
            burst = parsed
        }
        return Shaping(rate: rate, burst: burst)
    }
}
