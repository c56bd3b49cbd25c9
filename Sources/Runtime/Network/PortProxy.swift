import CHostSystem
import Foundation
import Policy

/// Published ports: for each mapping, a socket bound to the host address and port that forwards to the
/// container's address (TCP connections relayed both ways with half-close; UDP datagrams per client).
/// It runs in the container's owner (the monitor of a detached container, or securerun in the
/// foreground), binds before the container starts (a port in use refuses the start), and stops when the
/// container does. Connections come from the host end, the one address the container's rules accept.
public final class PortProxy: @unchecked Sendable {
    /// At most this many TCP connections (or UDP clients) per published port at once; more are refused.
    static let maxConnections = 256
    /// A UDP client silent this long is forgotten.
    static let udpIdleSeconds: Double = 60

    private let stopPipe: [Int32]
    private let listeners: [Int32]
    private let lock = NSLock()
    private var stopped = false
    private let group = DispatchGroup()

    private init(stopPipe: [Int32], listeners: [Int32]) {
        self.stopPipe = stopPipe
        self.listeners = listeners
    }

    /// Binds every mapping, then serves them on threads of their own; any bind failure closes what was
    /// bound and throws.
    public static func start(_ ports: [PublishedPort], target: String) throws(RuntimeError) -> PortProxy? {
        guard !ports.isEmpty else { return nil }
        guard let targetAddress = IPv4Network.parseAddress(target) else {
            throw .portUnavailable(port: target, reason: "the container's address is not IPv4")
        }
        var pipeFDs: [Int32] = [-1, -1]
        guard sr_pipe_cloexec(&pipeFDs) == 0 else { throw .portUnavailable(port: "proxy", reason: String(cString: strerror(errno))) }
        var bound: [Int32] = []
        for mapping in ports {
            do {
                bound.append(try bind(mapping))
            } catch {
                bound.forEach { close($0) }
                pipeFDs.forEach { close($0) }
                throw error
            }
        }
        let proxy = PortProxy(stopPipe: pipeFDs, listeners: bound)
        for (mapping, fd) in zip(ports, bound) {
            let destination = Endpoint(address: targetAddress, port: mapping.containerPort)
            proxy.spawn {
                switch mapping.transport {
                case .tcp: proxy.serveTCP(fd, to: destination)
                case .udp: proxy.serveUDP(fd, to: destination)
                }
            }
        }
        return proxy
    }

    /// Stops listening and ends every relayed connection; returns once every thread has finished.
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(stopPipe[1], &byte, 1)
        _ = group.wait(timeout: .now() + 5)
        listeners.forEach { close($0) }
    }

    deinit { stop() }

    // MARK: - Sockets

    struct Endpoint {
        var address: UInt32
        var port: UInt16

        var socketAddress: sockaddr_in {
            var value = sockaddr_in()
            value.sin_family = sa_family_t(AF_INET)
            value.sin_port = port.bigEndian
            value.sin_addr = in_addr(s_addr: address.bigEndian)
            return value
        }
    }

    static func bind(_ mapping: PublishedPort) throws(RuntimeError) -> Int32 {
        guard let address = IPv4Network.parseAddress(mapping.hostAddress) else { throw .portUnavailable(port: flag(mapping), reason: "not an IPv4 address") }
        let type = mapping.transport == .tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
        let fd = socket(AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .portUnavailable(port: flag(mapping), reason: String(cString: strerror(errno))) }
        if mapping.transport == .tcp {
            // TCP only: it lets a restarted container rebind over its old connections in TIME_WAIT, and
            // Linux still refuses it beside a listener. On UDP it would let this socket bind beside a host
            // service that set it too, and take that service's datagrams (socket(7), SO_REUSEADDR).
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var socketAddress = Endpoint(address: address, port: mapping.hostPort).socketAddress
        let result = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0, mapping.transport == .udp || listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            throw .portUnavailable(port: flag(mapping), reason: reason(mapping, errno: code))
        }
        return fd
    }

    /// The `-p` flag that asked for `mapping`, as the user could have typed it.
    static func flag(_ mapping: PublishedPort) -> String {
        "-p \(mapping.hostAddress):\(mapping.hostPort):\(mapping.containerPort)/\(mapping.transport.rawValue)"
    }

    /// Why `mapping`'s host port could not be bound, and what to do.
    static func reason(_ mapping: PublishedPort, errno code: Int32) -> String {
        let port = "\(mapping.hostAddress):\(mapping.hostPort)/\(mapping.transport.rawValue)"
        if code == EADDRINUSE { return "the host port \(port) is already in use on the host; choose a free host port" }
        return "cannot bind the host port \(port): \(String(cString: strerror(code)))"
    }

    func spawn(_ body: @escaping @Sendable () -> Void) {
        group.enter()
        let group = group
        Thread.detachNewThread {
            body()
            group.leave()
        }
    }

    var isStopped: Bool { lock.withLock { stopped } }

    /// Waits until `fd` is readable or the proxy stops; false when it stopped (or `timeout` ms passed).
    func waitReadable(_ fds: [Int32], timeout: Int32 = -1) -> [Int32]? {
        var polled = ([stopPipe[0]] + fds).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let count = poll(&polled, nfds_t(polled.count), timeout)
        if count < 0 { return errno == EINTR ? [] : nil }
        if polled[0].revents != 0 { return nil }
        return polled.dropFirst().filter { $0.revents != 0 }.map(\.fd)
    }

    // MARK: - TCP

    func serveTCP(_ listener: Int32, to destination: Endpoint) {
        let active = Counter()
        while let ready = waitReadable([listener]) {
            guard !ready.isEmpty else { continue }
            let client = sr_accept_cloexec(listener)
            guard client >= 0 else { continue }
            guard active.increment(limit: Self.maxConnections) else {
                close(client)
                continue
            }
            spawn { [self] in
                relayTCP(client, to: destination)
                active.decrement()
            }
        }
    }

    func relayTCP(_ client: Int32, to destination: Endpoint) {
        defer { close(client) }
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard server >= 0 else { return }
        defer { close(server) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(server, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = destination.socketAddress
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var open: Set<Int32> = [client, server]
        while !open.isEmpty, let ready = waitReadable(Array(open)) {
            for fd in ready {
                let other = fd == client ? server : client
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if count <= 0 {
                    // Half-close: the other side sees EOF, and may still answer.
                    open.remove(fd)
                    shutdown(other, Int32(SHUT_WR))
                    if count < 0 { return }
                    continue
                }
                guard Self.writeAll(other, buffer, count) else { return }
            }
        }
    }

    static func writeAll(_ fd: Int32, _ buffer: [UInt8], _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let written = buffer.withUnsafeBytes { send(fd, $0.baseAddress?.advanced(by: offset), count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    // MARK: - UDP

    func serveUDP(_ listener: Int32, to destination: Endpoint) {
        struct Client {
            var address: sockaddr_in
            var socket: Int32
            var lastSeen: Date
        }
        var clients: [Int32: Client] = [:]
        defer { clients.values.forEach { close($0.socket) } }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while let ready = waitReadable([listener] + Array(clients.keys), timeout: 1000) {
            let now = Date()
            for (fd, client) in clients where now.timeIntervalSince(client.lastSeen) > Self.udpIdleSeconds {
                close(fd)
                clients[fd] = nil
            }
            for fd in ready {
                if fd == listener {
                    var from = sockaddr_in()
                    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                    let count = withUnsafeMutablePointer(to: &from) { pointer in
                        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                            buffer.withUnsafeMutableBytes { recvfrom(listener, $0.baseAddress, $0.count, 0, address, &length) }
                        }
                    }
                    guard count >= 0 else { continue }
                    var upstream = clients.first { $0.value.address.sin_addr.s_addr == from.sin_addr.s_addr && $0.value.address.sin_port == from.sin_port }?.key
                    if upstream == nil, clients.count < Self.maxConnections {
                        upstream = Self.connectedUDP(to: destination)
                        if let socket = upstream { clients[socket] = Client(address: from, socket: socket, lastSeen: now) }
                    }
                    guard let socket = upstream else { continue }
                    clients[socket]?.lastSeen = now
                    _ = buffer.withUnsafeBytes { send(socket, $0.baseAddress, count, Int32(MSG_NOSIGNAL)) }
                } else if var client = clients[fd] {
                    let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                    guard count >= 0 else { continue }
                    client.lastSeen = now
                    clients[fd] = client
                    _ = withUnsafePointer(to: &client.address) { pointer in
                        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                            buffer.withUnsafeBytes {
                                sendto(listener, $0.baseAddress, count, Int32(MSG_NOSIGNAL), address, socklen_t(MemoryLayout<sockaddr_in>.size))
                            }
                        }
                    }
                }
            }
        }
    }

    static func connectedUDP(to destination: Endpoint) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = destination.socketAddress
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        return fd
    }
}

/// A bounded count shared by threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func increment(limit: Int) -> Bool {
        lock.withLock {
            guard value < limit else { return false }
            value += 1
            return true
        }
    }

    func decrement() { lock.withLock { value -= 1 } }
}
