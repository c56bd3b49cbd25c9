import Policy

/// `--network` and `-p` values, as docker reads them.
enum NetworkParsers {
    /// `--network NAME` or the extended `--network name=NAME,alias=…,ip=…`.
    static func network(_ text: String) throws(ValueError) -> NetworkRequest {
        guard !text.isEmpty else { throw ValueError("a network name is required") }
        guard text.contains("="), !text.hasPrefix("container:") else { return NetworkRequest(name: text) }
        var name: String?
        var options: [String] = []
        for field in try MountParsers.csvFields(text) {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else { throw ValueError("invalid field '\(field)' must be a key=value pair") }
            switch parts[0] {
            case "name": name = parts[1]
            case "alias", "ip", "ip6", "mac-address", "link-local-ip", "driver-opt", "gw-priority": options.append(field)
            default: throw ValueError("invalid field key \(parts[0])")
            }
        }
        guard let name else { throw ValueError("network name is required (name=…)") }
        return NetworkRequest(name: name, options: options)
    }

    /// `--egress-rate` / `--ingress-rate`: a rate as tc writes it (`5mbit`, `500kbit`), at least 8kbit.
    static func rate(_ text: String) throws(ValueError) -> BitRate {
        guard let rate = BitRate(parsing: text), rate.bitsPerSecond >= 8000 else {
            throw ValueError("expected a rate of at least 8kbit, such as 5mbit or 500kbit")
        }
        return rate
    }

    /// `-p [IP:][HOST-PORT:]CONTAINER-PORT[/PROTO]` (ranges `8000-8010`, IPv6 in brackets), or the long form
    /// `published=8080,target=80,protocol=tcp`.
    static func port(_ text: String) throws(ValueError) -> PortMapping {
        if text.contains("=") { return try longPort(text) }
        var spec = Substring(text)
        var proto = "tcp"
        if let slash = spec.lastIndex(of: "/") {
            proto = String(spec[spec.index(after: slash)...]).lowercased()
            spec = spec[..<slash]
        }
        guard ["tcp", "udp", "sctp"].contains(proto) else { throw ValueError("invalid proto: \(proto) (tcp, udp or sctp)") }
        var hostIP: String?
        if spec.hasPrefix("[") {
            guard let close = spec.firstIndex(of: "]") else { throw ValueError("unclosed [ in the IPv6 address") }
            hostIP = String(spec[spec.index(after: spec.startIndex)..<close])
            spec = spec[spec.index(after: close)...]
            guard spec.hasPrefix(":") else { throw ValueError("expected [IPv6]:HOST-PORT:CONTAINER-PORT") }
            spec = spec.dropFirst()
        }
        var parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if hostIP == nil, parts.count == 3 {
            hostIP = parts.removeFirst()
        }
        guard (1...2).contains(parts.count) else { throw ValueError("expected [IP:][HOST-PORT:]CONTAINER-PORT[/PROTO]") }
        let container = try range(parts[parts.count - 1], allowZero: false)
        let host = parts.count == 2 && !parts[0].isEmpty ? try range(parts[0], allowZero: true) : nil
        if let host, host.count != container.count, container.count != 1 {
            throw ValueError("the host and container port ranges differ in size")
        }
        return PortMapping(hostIP: hostIP, hostPorts: host, containerPorts: container, proto: proto)
    }

    static func longPort(_ text: String) throws(ValueError) -> PortMapping {
        var target: ClosedRange<Int>?
        var published: ClosedRange<Int>?
        var proto = "tcp"
        for field in try MountParsers.csvFields(text) {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw ValueError("invalid field '\(field)' must be a key=value pair") }
            switch parts[0] {
            case "target": target = try range(parts[1], allowZero: false)
            case "published": published = try range(parts[1], allowZero: true)
            case "protocol": proto = parts[1]
            case "mode": break
            default: throw ValueError("invalid field key \(parts[0])")
            }
        }
        guard let target else { throw ValueError("missing mandatory field \"target\"") }
        return PortMapping(hostIP: nil, hostPorts: published, containerPorts: target, proto: proto)
    }

    static func range(_ text: String, allowZero: Bool) throws(ValueError) -> ClosedRange<Int> {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
        let numbers = bounds.map { part -> Int? in
            guard !part.isEmpty, part.count <= 5, part.allSatisfy(\.isNumber) else { return nil }
            return Int(part)
        }
        guard (1...2).contains(bounds.count), let low = numbers.first ?? nil, let high = numbers.last ?? nil, low <= high, high <= 65535,
            low >= (allowZero ? 0 : 1)
        else { throw ValueError("invalid port \"\(text)\" (1 to 65535, or a range such as 8000-8010)") }
        return low...high
    }
}
