/// `--network`, `--egress-rate`, `--ingress-rate`, `-p` and docker's other network flags against the
/// profile's `network:`. A request may go from `private` to `none` and lower a rate, never the other way;
/// ports are published only where the profile allows it, on the host addresses it lists, never below 1024.
/// `RequestRules` reports every refusal (lint); `Policy.enforce` throws the first.
enum NetworkRequests {
    /// The container's network, or every problem with the request's network flags.
    static func evaluate(_ request: RunRequest, network: NetworkProfile, judge: Judge) -> (spec: NetworkSpec?, problems: [PolicyError]) {
        var problems: [PolicyError] = []
        var mode = network.mode
        var attach: String?
        let offered = network.mode == .private ? "none or private" : "none"
        if let requested = request.network {
            let name = requested.value.name
            let origin = requested.origin
            if name == "host" {
                problems.append(
                    judge.refuse(
                        .network, origin,
                        "the host's network namespace gives the container every host interface and port, and the host's loopback services; choose \(offered)"))
            } else if name.hasPrefix("container:") {
                problems.append(
                    judge.refuse(
                        .network, origin,
                        "joining \(name.dropFirst("container:".count))'s network namespace shares its interfaces and its loopback services; choose \(offered)"))
            } else if !requested.value.options.isEmpty {
                problems.append(judge.refuse(.network, origin, "network \(name) takes no options (aliases, addresses): securerun chooses the addresses"))
            } else if name == "none" {
                mode = .none
            } else if name == "private", network.mode == .private {
                mode = .private
            } else if name == "private" {
                problems.append(
                    judge.refuse(
                        .network, origin,
                        "containers get network none (a namespace with only lo) under this profile; \(RefusalHints.privateNetwork)"
                    ))
            } else if network.allows(network: name), let problem = NetworkName.problem(name) {
                problems.append(judge.invalid(origin, problem))
            } else if network.allows(network: name) {
                attach = name
            } else {
                problems.append(
                    judge.refuse(
                        .network, origin,
                        "network \"\(name)\" is not one this profile lets containers join (network.allowedNetworks: \(network.allowedNetworks.isEmpty ? "none" : network.allowedNetworks.joined(separator: ", "))); containers get \(offered)"
                            + (network.mode == .private ? "" : "; \(RefusalHints.privateNetwork)")))
            }
        }
        for setting in request.networkSettings {
            let detail: String
            switch setting.value {
            case .publishAll: detail = "publish each port with -p HOST_IP:HOST_PORT:CONTAINER_PORT, where the profile allows it"
            case .expose: detail = "exposing has no effect without -P; publish the port with -p where the profile allows it"
            case .dns, .dnsSearch, .dnsOption: detail = "securerun's networks reach only the host end and the profile's egress allow-list, and set no DNS"
            case .addHost: detail = "host entries would name addresses the container may not reach; the profile's egress allow-list decides what it reaches"
            case .link, .alias:
                detail =
                    "containers reach one another only on a securerun network, by container name: securerun network create NAME, then run --network NAME where the profile's network.allowedNetworks lists it"
            case .ip, .ip6, .macAddress, .linkLocalIP: detail = "securerun gives each private container its address from the profile's network.addressRange"
            }
            problems.append(judge.refuse(.network, setting.origin, detail))
        }
        guard mode == .private, let profileEgress = network.egress, let profileIngress = network.ingress else {
            for rate in [request.egressRate, request.ingressRate].compactMap({ $0 }) {
                problems.append(judge.invalid(rate.origin, "the container has network none: there is no traffic to shape"))
            }
            for port in request.ports {
                problems.append(
                    judge.refuse(
                        .publish, port.origin,
                        "ports are published only with private networking, and this container has network none"
                            + (network.mode == .private ? "" : "; \(RefusalHints.publishWithoutNetwork)")))
            }
            return (problems.isEmpty ? NetworkSpec.none : nil, problems)
        }
        let egress = lower(profileEgress, request.egressRate, what: "traffic out of the container", judge: judge, problems: &problems)
        let ingress = lower(profileIngress, request.ingressRate, what: "traffic into the container", judge: judge, problems: &problems)
        var ports: [PublishedPort] = []
        for entry in request.ports {
            switch publish(entry, policy: network.publish, judge: judge) {
            case .failure(let problem):
                problems.append(problem)
            case .success(let port):
                if ports.contains(where: { $0.hostAddress == port.hostAddress && $0.hostPort == port.hostPort && $0.transport == port.transport }) {
                    problems.append(judge.invalid(entry.origin, "host port \(port.hostPort)/\(port.transport.rawValue) is published twice"))
                }
                ports.append(port)
            }
        }
        guard problems.isEmpty else { return (nil, problems) }
        var spec = NetworkSpec(mode: .private, addressRange: network.addressRange, egress: egress, ingress: ingress, allow: network.egressAllow, ports: ports)
        spec.attach = attach
        return (spec, [])
    }

    /// The spec, or the first problem.
    static func enforce(_ request: RunRequest, profile: Profile, judge: Judge) throws(PolicyError) -> NetworkSpec {
        let (spec, problems) = evaluate(request, network: profile.network, judge: judge)
        if let first = problems.first { throw first }
        return spec ?? .none
    }

    static func lower(_ profile: Shaping, _ requested: Flagged<BitRate>?, what: String, judge: Judge, problems: inout [PolicyError]) -> Shaping {
        guard let requested else { return profile }
        if requested.value > profile.rate {
            problems.append(judge.refuse(.bandwidth, requested.origin, "\(what) is capped at \(profile.rate); a request may only lower it"))
            return profile
        }
        // The profile's burst stays: a bucket no larger than the one it allows.
        return Shaping(rate: requested.value, burst: profile.burst)
    }

    /// One `-p` as docker parsed it, checked against the profile: one TCP or UDP port, a host port of 1024
    /// or above, on a host address the profile lists (the first of them when none is given: docker would
    /// bind every address, which a profile lists only on purpose).
    static func publish(_ entry: Flagged<PortMapping>, policy: PublishPolicy, judge: Judge) -> Result<PublishedPort, PolicyError> {
        let mapping = entry.value
        let listed = policy.hostAddresses.joined(separator: ", ")
        guard policy.allowed else {
            return .failure(judge.refuse(.publish, entry.origin, "this profile publishes no ports (network.publish.allowed is false); \(RefusalHints.publish)"))
        }
        guard let transport = TransportProtocol(rawValue: mapping.proto) else {
            return .failure(judge.invalid(entry.origin, "only tcp and udp ports can be published"))
        }
        guard let hostPorts = mapping.hostPorts, hostPorts.lowerBound > 0 else {
            return .failure(judge.invalid(entry.origin, "give the host port too: [HOST_IP:]HOST_PORT:CONTAINER_PORT, such as 127.0.0.1:8080:80"))
        }
        guard hostPorts.count == 1, mapping.containerPorts.count == 1, let hostPort = UInt16(exactly: hostPorts.lowerBound),
            let containerPort = UInt16(exactly: mapping.containerPorts.lowerBound)
        else {
            return .failure(judge.invalid(entry.origin, "publish one port at a time (no ranges)"))
        }
        var host = policy.hostAddresses.first ?? "127.0.0.1"
        if let text = mapping.hostIP, !text.isEmpty {
            guard let address = IPv4Network.parseAddress(text) else {
                return .failure(
                    judge.refuse(.publish, entry.origin, "ports may be published only on \(listed) (network.publish.hostAddresses); \(text) is not one"))
            }
            host = IPv4Network.format(address)
        }
        guard policy.hostAddresses.contains(host) else {
            return .failure(judge.refuse(.publish, entry.origin, "ports may be published only on \(listed) (network.publish.hostAddresses)"))
        }
        guard hostPort >= 1024 else {
            return .failure(
                judge.refuse(.publish, entry.origin, "host ports below 1024 are privileged ports of the host's own services; publish on 1024 or above"))
        }
        return .success(PublishedPort(hostAddress: host, hostPort: hostPort, containerPort: containerPort, transport: transport))
    }
}
