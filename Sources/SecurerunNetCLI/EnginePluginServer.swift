import CHostSystem
import EnginePlugin
import Foundation
import HostSystem
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Policy
import Runtime

/// The engine the plugin asks, over its unix socket.
struct SocketEngineClient: EngineClient {
    let socket: String

    func get(_ path: String) throws(EnginePluginError) -> (status: Int, body: [UInt8]) {
        do {
            return try DockerEngine(socketPath: socket).get(path)
        } catch {
            throw .engineUnavailable("\(socket): \(error)")
        }
    }
}

/// The judge in use, swapped whole when the profile file changes or on SIGHUP.
final class PluginState: Sendable {
    private let judge: NIOLockedValueBox<EngineJudge>
    let profileName: String?
    let logger: Logger

    init(judge: EngineJudge, profileName: String?, logger: Logger) {
        self.judge = NIOLockedValueBox(judge)
        self.profileName = profileName
        self.logger = logger
    }

    var current: EngineJudge { judge.withLockedValue { $0 } }

    /// Loads the profile again; a profile that no longer loads keeps the one in use (and says so).
    func reload(reason: String) {
        do {
            let profile = try ProfileLoader.load(profileName)
            judge.withLockedValue { $0.profile = profile }
            logger.notice("profile reloaded", metadata: ["reason": "\(reason)", "profile": "\(profile.name)", "source": "\(profile.source.path)"])
        } catch {
            logger.error("profile reload failed; keeping the one in use", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
    }

    /// What the files behind the profile look like now (path, inode, size, mtime of each).
    func fingerprint() -> String {
        let profile = current.profile
        var paths = [profile.source.path, profile.seccompPath.path] + profile.admission.trustedKeys
        paths.append(StateRoot(current.stateRoot).trustedKeys.path)
        return paths.map { path in
            var status = stat()
            guard stat(path, &status) == 0 else { return "\(path):-" }
            return "\(path):\(status.st_ino):\(status.st_size):\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
        }.joined(separator: "|")
    }
}

/// One HTTP/1.1 connection from the engine: `Plugin.Activate`, `AuthZPlugin.AuthZReq`/`AuthZRes`, and
/// the health check. Bodies are read up to a limit; judging (which may ask the engine) runs on the
/// thread pool, never on the event loop, so the engine's own authorization of those questions is served
/// meanwhile.
final class PluginHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let bodyLimit = 8 << 20

    let state: PluginState
    let pool: NIOThreadPool
    private var request = WholeRequest(limit: bodyLimit)

    init(state: PluginState, pool: NIOThreadPool) {
        self.state = state
        self.pool = pool
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let (head, bytes, tooLarge) = request.take(unwrapInboundIn(data), allocator: context.channel.allocator) else { return }
        if tooLarge {
            respond(context: context, head: head, status: .payloadTooLarge, body: Array(#"{"Err":"request too large"}"#.utf8))
            return
        }
        let state = self.state
        // Only a judged call (a create, start, exec, update, volume) may take time: it reads the store and
        // asks the engine, whose own questions come back here for authorization. Everything else (the
        // engine's AuthZRes, reads, the table's plain allows and refusals) is answered on the event loop,
        // so a pool full of judged calls waiting on the engine never holds up the answers they wait for.
        guard Self.isJudged(head: head, body: bytes) else {
            let (status, answer) = Self.serve(head: head, body: bytes, state: state)
            respond(context: context, head: head, status: status, body: answer)
            return
        }
        let future = pool.runIfActive(eventLoop: context.eventLoop) { () -> (HTTPResponseStatus, [UInt8]) in
            Self.serve(head: head, body: bytes, state: state)
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        future.whenComplete { result in
            let (handler, context) = bound.value
            switch result {
            case .success(let (status, answer)):
                handler.respond(context: context, head: head, status: status, body: answer)
            case .failure(let error):
                handler.respond(
                    context: context, head: head, status: .internalServerError,
                    body: AuthZResponse(Allow: false, Msg: nil, Err: "securerun plugin failed: \(error)").encoded())
            }
        }
    }

    /// Whether the request is an `AuthZReq` for an endpoint the judge reads a body or asks the engine for.
    static func isJudged(head: HTTPRequestHead, body: [UInt8]) -> Bool {
        guard head.method == .POST, head.uri == AuthZProtocol.requestPath, let request = try? AuthZRequest.decode(body) else { return false }
        return EngineJudge.isJudged(request)
    }

    /// The answer to one request (on the thread pool for judged calls, else on the event loop).
    static func serve(head: HTTPRequestHead, body: [UInt8], state: PluginState) -> (HTTPResponseStatus, [UInt8]) {
        let logger = state.logger
        switch (head.method, head.uri) {
        case (.POST, AuthZProtocol.activatePath):
            logger.info("activated by the engine")
            return (.ok, AuthZProtocol.activation)
        case (.POST, AuthZProtocol.requestPath):
            let request: AuthZRequest
            do {
                request = try AuthZRequest.decode(body)
            } catch {
                logger.error("unreadable AuthZReq; refusing", metadata: ["error": "\(error)"])
                return (.ok, AuthZResponse.deny("securerun cannot read the engine's authorization request (\(error)); refusing").encoded())
            }
            let answer = state.current.answer(request)
            let metadata: Logger.Metadata = [
                "method": "\(request.RequestMethod ?? "")", "uri": "\(request.RequestUri ?? "")", "user": "\(request.User ?? "")",
                "allow": "\(answer.Allow)",
            ]
            if answer.Allow {
                logger.debug("allowed", metadata: metadata)
            } else {
                logger.notice("refused", metadata: metadata.merging(["why": "\(answer.Msg ?? "")"]) { $1 })
            }
            return (.ok, answer.encoded())
        case (.POST, AuthZProtocol.responsePath):
            // Decided before the engine acted; the response phase changes nothing.
            return (.ok, AuthZResponse.allow.encoded())
        case (.GET, "/_securerun/health"):
            let judge = state.current
            let health: [String: String] = ["status": "ok", "profile": judge.profile.name, "stateRoot": judge.stateRoot.path]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (.ok, (try? Array(encoder.encode(health))) ?? [])
        default:
            return (.notFound, Array(#"{"Err":"no such endpoint"}"#.utf8))
        }
    }

    func respond(context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus, body: [UInt8]) {
        let type = head.uri == "/_securerun/health" ? "application/json" : AuthZProtocol.contentType
        HTTPReply.send(context, version: head.version, status: status, contentType: type, body: body, keepAlive: head.isKeepAlive)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.logger.warning("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

/// The plugin's server: a unix socket (root-only, 0600), HTTP/1.1 with keep-alive, many connections at once.
enum EnginePluginServer {
    static func run(socket: String, state: PluginState) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        let pool = NIOThreadPool(numberOfThreads: max(4, System.coreCount * 2))
        pool.start()
        try prepareSocketPath(socket)
        let oldMask = umask(0o177)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(PluginHTTPHandler(state: state, pool: pool))
                    }
                }
                .bind(unixDomainSocketPath: socket, cleanupExistingSocketFile: false).get()
        } catch {
            umask(oldMask)
            throw error
        }
        umask(oldMask)
        chmod(socket, 0o600)
        state.logger.notice("serving", metadata: ["socket": "\(socket)", "profile": "\(state.current.profile.name)"])

        // SIGHUP reloads; so does a change to the profile, its seccomp file or the trusted keys. SIGTERM stops,
        // removing the socket at once: dockerd then refuses (fail closed) rather than wait on a stopping plugin.
        let signals = ServiceSignals(
            group: group, channel: channel, logger: state.logger,
            watched: [.init(fingerprint: { state.fingerprint() }, reload: { state.reload(reason: $0) })], onStop: { unlink(socket) })
        try await channel.closeFuture.get()
        signals.cancel()
        unlink(socket)
        try? await pool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }

    /// Creates the socket's directory (0700) and removes a stale socket; refuses when another process
    /// is serving there or something else is in the way.
    static func prepareSocketPath(_ socket: String) throws {
        let directory = URL(fileURLWithPath: socket).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var status = stat()
        guard lstat(socket, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw PluginSetupError("\(socket) exists and is not a socket; remove it or choose another --socket")
        }
        if HealthProbe.connects(socket) {
            throw PluginSetupError("another process is serving on \(socket); stop it first")
        }
        unlink(socket)
    }
}

/// Connecting to a unix socket, for the stale-socket check.
enum HealthProbe {
    static func connects(_ path: String) -> Bool {
        let fd = sr_connect_unix(path)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }
}

/// A plugin set-up failure (one line, exit 125).
struct PluginSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
