/// `--network`, `--egress-rate`, `--ingress-rate` and `-p` against the profile's `network:`: a request
/// may go from `private` to `none` and lower a rate, never the other way; ports are published only where
/// the profile allows it, on the host addresses it lists, and never below 1024.
enum NetworkRequests {
    static func enforce(
        _ request: RunRequest, profile: Profile,
        refuse: (PolicyViolation.Rule, String, String) -> PolicyError
    ) throws(PolicyError) -> NetworkSpec {
        let network = profile.network
        var mode = network.mode
        if let text = request.network {
            switch text {
            case "none":
                mode = .none
            case "private" where network.mode == .private:
                mode = .private
            case "private":
                throw refuse(
                    .network, "--network private",
                    "containers get network mode \"none\" (a namespace with only lo); private networking needs a profile with network.mode private")
            default:
                throw refuse(
                    .network, "--network \(text)",
                    "containers get network mode \"\(network.mode.rawValue)\"; a request may only choose none\(network.mode == .private ? " or private" : "") (host, bridge and container: networks are never given)"
                )
            }
        }
        guard mode == .private, let profileEgress = network.egress, let profileIngress = network.ingress else {
            for (flag, value) in [("--egress-rate", request.egressRate), ("--ingress-rate", request.ingressRate)] {
                if let value { throw .invalidRequest(flag: "\(flag) \(value)", reason: "the container has network none: there is no traffic to shape") }
            }
            if let first = request.publish.first {
                throw refuse(.publish, "-p \(first)", "ports are published only with private networking, and this container has network none")
            }
            return .none
        }
        let egress = try lower(profileEgress, request.egressRate, flag: "--egress-rate", what: "traffic out of the container", refuse: refuse)
        let ingress = try lower(profileIngress, request.ingressRate, flag: "--ingress-rate", what: "traffic into the container", refuse: refuse)
        var ports: [PortMapping] = []
        for text in request.publish {
            let mapping = try parsePublish(text, policy: network.publish, refuse: refuse)
            if ports.contains(where: { $0.hostAddress == mapping.hostAddress && $0.hostPort == mapping.hostPort && $0.transport == mapping.transport }) {
                throw .invalidRequest(flag: "-p \(text)", reason: "host port \(mapping.hostPort)/\(mapping.transport.rawValue) is published twice")
            }
            ports.append(mapping)
        }
        return NetworkSpec(mode: .private, addressRange: network.addressRange, egress: egress, ingress: ingress, allow: network.egressAllow, ports: ports)
    }

    static func lower(
        _ profile: Shaping, _ text: String?, flag: String, what: String,
        refuse: (PolicyViolation.Rule, String, String) -> PolicyError
    ) throws(PolicyError) -> Shaping {
        guard let text else { return profile }
        guard let rate = BitRate(parsing: text), rate.bitsPerSecond >= 8000 else {
            throw .invalidRequest(flag: "\(flag) \(text)", reason: "expected a rate of at least 8kbit, such as 5mbit or 500kbit")
        }
        if rate > profile.rate {
            throw refuse(.bandwidth, "\(flag) \(text)", "\(what) is capped at \(profile.rate); a request may only lower it")
        }
        // The profile's burst stays: a bucket no larger than the one it allows.
        return Shaping(rate: rate, burst: profile.burst)
    }

    /// `[HOST_IP:]HOST_PORT:CTR_PORT[/tcp|udp]`; without HOST_IP, the profile's first host address (docker
    /// would bind every address, which a profile lists only on purpose).
    static func parsePublish(
        _ text: String, policy: PublishPolicy, refuse: (PolicyViolation.Rule, String, String) -> PolicyError
    ) throws(PolicyError) -> PortMapping {
        let flag = "-p \(text)"
        let listed = policy.hostAddresses.joined(separator: ", ")
        guard policy.allowed else {
            throw refuse(.publish, flag, "this profile publishes no ports (network.publish.allowed is false)")
        }
        let format = "expected [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp], such as 127.0.0.1:8080:80"
        var body = Substring(text)
        var transport = TransportProtocol.tcp
        if let slash = body.lastIndex(of: "/") {
            guard let parsed = TransportProtocol(rawValue: body[body.index(after: slash)...].lowercased()) else {
                throw .invalidRequest(flag: flag, reason: "the protocol must be tcp or udp")
            }
            transport = parsed
            body = body[..<slash]
        }
        if body.hasPrefix("[") { throw .invalidRequest(flag: flag, reason: "IPv6 host addresses are not supported; publish on one of \(listed)") }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count) else {
            throw .invalidRequest(flag: flag, reason: parts.count == 1 ? "give the host port too (\(format))" : format)
        }
        var host = policy.hostAddresses.first ?? "127.0.0.1"
        if parts.count == 3 {
            guard let address = IPv4Network.parseAddress(String(parts[0])) else {
                throw .invalidRequest(flag: flag, reason: "\"\(parts[0])\" is not an IPv4 address (\(format))")
            }
            host = IPv4Network.format(address)
        }
        guard let hostPort = PortMapping.parsePort(parts[parts.count - 2]), let containerPort = PortMapping.parsePort(parts[parts.count - 1]) else {
            throw .invalidRequest(flag: flag, reason: "ports are numbers from 1 to 65535, one each (no ranges); \(format)")
        }
        guard policy.hostAddresses.contains(host) else {
            throw refuse(.publish, flag, "ports may be published only on \(listed) (network.publish.hostAddresses)")
        }
        guard hostPort >= 1024 else {
            throw refuse(.publish, flag, "host ports below 1024 are privileged ports of the host's own services; publish on 1024 or above")
        }
        return PortMapping(hostAddress: host, hostPort: hostPort, containerPort: containerPort, transport: transport)
    }
}
