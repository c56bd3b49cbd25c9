import Foundation
import Testing

/// Issue 17, finding 5: a UDP `-p` must not bind beside a host UDP service that set SO_REUSEADDR and
/// take its loopback datagrams. A host port in use refuses the start, for UDP as for TCP, and nothing of
/// the container is left.
@Suite("UDP -p over a host service: the start is refused and the service keeps its traffic", .serialized, .sharedHost)
struct UDPPortTakeoverTests {
    /// A UDP socket of the host's on 127.0.0.1 with SO_REUSEADDR, on a port the kernel chose.
    final class HostService {
        let fd: Int32
        let port: UInt16

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = Self.loopback(port: 0)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard bound == 0, named == 0 else {
                close(fd)
                throw TestFailure("bind/getsockname: \(errno)")
            }
            self.fd = fd
            port = UInt16(bigEndian: address.sin_port)
        }

        deinit { close(fd) }

        static func loopback(port: UInt16) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
            return address
        }

        /// Sends `text` to the service's port from a fresh socket, then returns what the service received
        /// (nil when nothing arrived within its 5 s receive timeout).
        func roundTrip(_ text: String) -> String? {
            let sender = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(sender) }
            var address = Self.loopback(port: port)
            let bytes = Array(text.utf8)
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                    bytes.withUnsafeBytes { sendto(sender, $0.baseAddress, $0.count, 0, target, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            return String(decoding: buffer[0..<count], as: UTF8.self)
        }
    }

    @Test(
        "a UDP -p on a port a host service holds with SO_REUSEADDR is refused in one line naming the flag, foreground and -d, and the service still gets its datagrams",
        arguments: [false, true])
    func udpPublishBesideHostServiceRefused(detached: Bool) throws {
        guard let network = try NetworkFixture.available() else { return }
        let profile = try network.profile("udp-takeover-\(detached ? "detached" : "foreground")")
        let service = try HostService()
        let flag = "127.0.0.1:\(service.port):53/udp"
        let name = "udp-takeover-\(UUID().uuidString.prefix(8).lowercased())"
        defer { _ = try? network.cli.run(["rm", "-f", name]) }
        let mode = detached ? ["-d"] : []
        let result = try network.cli.run(
            ["run"] + mode + ["--profile", profile, "--name", name, "-p", flag, network.image, "sh", "-c", "sleep 30"], timeout: 90)
        #expect(result.status == 125, "\(result)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && result.stderr.contains("-p \(flag)") && result.stderr.contains("already in use"), "\(result)")
        #expect(service.roundTrip("for the host service") == "for the host service", "the host service lost its datagram")
        let listed = try network.cli.run(["ps", "-a"])
        #expect(!listed.stdout.contains(name), "nothing half-started: \(listed)")
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())")
    }
}
