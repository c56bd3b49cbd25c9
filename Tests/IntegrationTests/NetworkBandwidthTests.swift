import Foundation
import Testing

/// Issue 11: bandwidth caps both ways, measured across the veth between the host end and a private
/// container (only addresses of the container's own namespace and its host end are used). Bounded: 600 KB
/// a transfer, three transfers per direction and rate, medians compared; no timing assertion beyond the
/// rate itself, which is what the feature promises.
@Suite("network: bandwidth caps both ways on runc and docker", .serialized)
struct NetworkBandwidthTests {
    static let bytes = 600_000
    static let tries = 3

    /// Measures out of (container → host end) and into (host end → container) a container capped at
    /// `rate` both ways; returns the median rates in bit/s.
    static func measure(_ network: NetworkFixture, profile: String, runtime: String, rate: String, port: Int) throws -> (egress: Double, ingress: Double) {
        let script = """
            busybox nc -ll -p \(port + 1) -e sh -c 'head -c \(bytes) >/dev/null; echo done' &
            gw=$(busybox ip route | busybox awk '/^default/ {print $3}')
            for i in $(busybox seq \(tries)); do
              n=0; until head -c \(bytes) /dev/zero | busybox nc $gw \(port); do n=$((n+1)); [ $n -gt 150 ] && exit 3; sleep 0.2; done
            done
            wait
            """
        let id = try network.detach(
            ["--runtime", runtime, "--egress-rate", rate, "--ingress-rate", rate], ["sh", "-c", script], profile: profile)
        defer { _ = try? network.cli.run(["rm", "-f", id]) }
        let (host, container) = try network.addresses(id)
        let egress = try NetworkFixture.measure("recv", host, port, bytes: bytes, count: tries)
        let ingress = try NetworkFixture.measure("send", container, port + 1, bytes: bytes, count: tries)
        print("\(runtime) at \(rate): out of the container \(egress.map { Int($0) }) bit/s, into it \(ingress.map { Int($0) }) bit/s")
        return (NetworkFixture.median(egress), NetworkFixture.median(ingress))
    }

    static func check(runtime: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let network = try NetworkFixture.available(sourceLocation: sourceLocation) else { return }
        if runtime == "docker" { guard DockerBackendTests.engineAvailable(sourceLocation: sourceLocation) else { return } }
        let profile = try network.profile("shaped")
        let port = runtime == "docker" ? 5310 : 5210
        let slow = try measure(network, profile: profile, runtime: runtime, rate: "2mbit", port: port)
        let fast = try measure(network, profile: profile, runtime: runtime, rate: "8mbit", port: port + 2)
        for (name, value, target) in [
            ("out at 2mbit", slow.egress, 2e6), ("into at 2mbit", slow.ingress, 2e6), ("out at 8mbit", fast.egress, 8e6), ("into at 8mbit", fast.ingress, 8e6),
        ] {
            #expect(
                abs(value - target) <= 0.2 * target, "\(runtime) \(name): \(Int(value)) bit/s is not within 20% of \(Int(target))",
                sourceLocation: sourceLocation)
        }
        #expect(
            fast.egress >= 3 * slow.egress, "\(runtime): out of the container at 8mbit \(Int(fast.egress)) vs 2mbit \(Int(slow.egress))",
            sourceLocation: sourceLocation)
        #expect(
            fast.ingress >= 3 * slow.ingress, "\(runtime): into the container at 8mbit \(Int(fast.ingress)) vs 2mbit \(Int(slow.ingress))",
            sourceLocation: sourceLocation)
        _ = try network.cli.run(["gc"])
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())", sourceLocation: sourceLocation)
    }

    @Test("runc: a container capped at 2mbit and 8mbit sends and receives within 20% of each, and 4x the rate is at least 3x faster")
    func runc() throws { try Self.check(runtime: "runc") }

    @Test("docker: the same caps hold for a workload in its holder's namespace (it never sees unshaped traffic)")
    func docker() throws { try Self.check(runtime: "docker") }
}
