import Foundation
import KubernetesAdmission
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTPS connection from the API server: `POST /validate` (the review), `GET /healthz`, `GET
/// /metrics`. A body is read to its end up to the API server's own limit; judging (which reads the store
/// and verifies signatures) runs on the thread pool, never on the event loop.
final class AdmissionHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The API server refuses request bodies over 3 MiB, so a review is never larger.
    static let bodyLimit = AdmissionReviewRequest.maxBytes
    /// How long a request may take to arrive whole (a client trickling bytes holds a connection no longer).
    static let requestTimeout = TimeAmount.seconds(10)

    let state: AdmissionState
    let pool: NIOThreadPool
    private var request = WholeRequest(limit: bodyLimit)
    private var deadline: Scheduled<Void>?

    init(state: AdmissionState, pool: NIOThreadPool) {
        self.state = state
        self.pool = pool
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .head(let head) = part {
            let channel = context.channel
            let logger = state.logger
            deadline = context.eventLoop.scheduleTask(in: Self.requestTimeout) {
                logger.warning("request not received whole in time; closing", metadata: ["uri": "\(head.uri)"])
                channel.close(promise: nil)
            }
        }
        guard let (head, bytes, tooLarge) = request.take(part, allocator: context.channel.allocator) else { return }
        deadline?.cancel()
        deadline = nil
        let path = String(head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if tooLarge {
            respond(context: context, head: head, path: path, status: .payloadTooLarge, type: "text/plain", body: Array("request body over 3 MiB\n".utf8))
            return
        }
        switch (head.method, path) {
        case (.POST, "/validate"):
            let state = self.state
            let pool = self.pool
            let eventLoop = context.eventLoop
            let started = DispatchTime.now().uptimeNanoseconds
            let future = pool.runIfActive(eventLoop: eventLoop) { () -> KubernetesWebhook.Answer in
                let answer = KubernetesWebhook.answer(bytes, judge: state.judge)
                return answer.fetches.isEmpty ? Self.record(answer, started: started, state: state) : answer
            }
            .flatMap { answer -> EventLoopFuture<KubernetesWebhook.Answer> in
                // Known attestations (stored or cached) are judged on the pool alone; a fetch goes through a task.
                guard !answer.fetches.isEmpty else { return eventLoop.makeSucceededFuture(answer) }
                let promise = eventLoop.makePromise(of: KubernetesWebhook.Answer.self)
                promise.completeWithTask { try await Self.fetchAndJudgeAgain(bytes, answer.fetches, state: state, pool: pool, started: started) }
                return promise.futureResult
            }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            future.whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .success(let answer):
                    let type = answer.status == 200 ? "application/json" : "text/plain"
                    handler.respond(context: context, head: head, path: path, status: .init(statusCode: answer.status), type: type, body: answer.body)
                case .failure(let error):
                    handler.respond(
                        context: context, head: head, path: path, status: .internalServerError, type: "text/plain",
                        body: Array("securerun failed to judge the review: \(error)\n".utf8))
                }
            }
        case (.GET, "/healthz"):
            respond(context: context, head: head, path: path, status: .ok, type: "text/plain", body: Array("ok\n".utf8))
        case (.GET, "/metrics"):
            respond(
                context: context, head: head, path: path, status: .ok, type: "text/plain; version=0.0.4; charset=utf-8",
                body: Array(state.metrics.text().utf8))
        case (_, "/validate"), (_, "/healthz"), (_, "/metrics"):
            respond(context: context, head: head, path: path, status: .methodNotAllowed, type: "text/plain", body: Array("method not allowed\n".utf8))
        default:
            respond(
                context: context, head: head, path: "other", status: .notFound, type: "text/plain",
                body: Array("no such endpoint (POST /validate, GET /healthz, GET /metrics)\n".utf8))
        }
    }

    /// Fetches the attestations of images refused for want of them from their registries (async, off the
    /// event loop and the pool; a fetch of the same image already running is joined) and judges the review
    /// again: the second judgement finds what the fetches left in the cache, a registry that could not be
    /// read included, and decides.
    static func fetchAndJudgeAgain(
        _ body: [UInt8], _ fetches: [RegistryFetch], state: AdmissionState, pool: NIOThreadPool, started: UInt64
    ) async throws -> KubernetesWebhook.Answer {
        let policy = state.judge.profile.admission
        await withTaskGroup(of: Void.self) { group in
            for fetch in fetches {
                group.addTask {
                    guard let report = await state.registry.fetch(fetch.reference, digest: fetch.digest, policy: policy) else { return }
                    state.metrics.registryFetch(outcome: report.outcome)
                    state.logger.info(
                        "fetched attestations",
                        metadata: [
                            "image": "\(report.image)", "outcome": "\(report.outcome)", "detail": "\(report.detail)",
                            "ms": "\(String(format: "%.1f", report.seconds * 1000))",
                        ])
                }
            }
        }
        return try await pool.runIfActive { Self.record(KubernetesWebhook.answer(body, judge: state.judge), started: started, state: state) }
    }

    /// Logs and counts what was decided about one review, which took since `started`.
    static func record(_ answer: KubernetesWebhook.Answer, started: UInt64, state: AdmissionState) -> KubernetesWebhook.Answer {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        state.metrics.review(outcome: answer.outcome.rawValue, rules: answer.rules, seconds: seconds)
        var metadata: Logger.Metadata = [
            "outcome": "\(answer.outcome.rawValue)", "uid": "\(answer.uid ?? "")", "operation": "\(answer.operation ?? "")",
            "pod": "\(answer.pod ?? "")", "ms": "\(String(format: "%.2f", seconds * 1000))",
        ]
        switch answer.outcome {
        case .allowed:
            state.logger.info("allowed", metadata: metadata)
        case .denied:
            metadata["rules"] = "\(answer.rules.joined(separator: ","))"
            metadata["why"] = "\(answer.message ?? "")"
            state.logger.notice("denied", metadata: metadata)
        case .malformed:
            metadata["why"] = "\(answer.message ?? "")"
            state.logger.warning("malformed review", metadata: metadata)
        }
        return answer
    }

    func respond(context: ChannelHandlerContext, head: HTTPRequestHead, path: String, status: HTTPResponseStatus, type: String, body: [UInt8]) {
        state.metrics.http(path: path, code: Int(status.code))
        // A body not read to its end leaves the connection unusable.
        HTTPReply.send(
            context, version: head.version, status: status, contentType: type, body: body, keepAlive: head.isKeepAlive && status != .payloadTooLarge)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // An idle keep-alive connection is closed; the API server opens another when it needs one.
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

/// The webhook's server: HTTPS on a TCP address, HTTP/1.1 with keep-alive, many connections at once.
enum AdmissionServer {
    static func run(host: String, port: Int, state: AdmissionState) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        let pool = NIOThreadPool(numberOfThreads: max(4, System.coreCount * 2))
        pool.start()
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    // The context in use when the connection arrives: a reload applies to new connections.
                    let tls = state.tls
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(90)))
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(AdmissionHTTPHandler(state: state, pool: pool))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            try? await pool.shutdownGracefully()
            try? await group.shutdownGracefully()
            throw AdmissionSetupError("cannot listen on \(host):\(port): \(error); choose another --listen")
        }
        let judge = state.judge
        state.logger.notice(
            "serving",
            metadata: [
                "listen": "\(host):\(port)", "profile": "\(judge.profile.name)", "seccomp": "\(judge.seccompFile)",
                "stateRoot": "\(judge.stateRoot.path)",
            ])

        // SIGHUP reloads both; a change to the certificate, key or profile files reloads that part.
        let signals = ServiceSignals(
            group: group, channel: channel, logger: state.logger,
            watched: [
                .init(fingerprint: { state.tlsFingerprint() }, reload: { state.reloadTLS(reason: $0) }),
                .init(fingerprint: { state.profileFingerprint() }, reload: { state.reloadProfile(reason: $0) }),
            ])
        try await channel.closeFuture.get()
        signals.cancel()
        try? await pool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }
}
