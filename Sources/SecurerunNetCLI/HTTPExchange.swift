import NIOCore
import NIOHTTP1

/// One HTTP/1.1 request collected whole before a server decides on it: its head, and its body up to
/// `limit` bytes (past that, `tooLarge` and no body). Both servers (the engine plugin, the admission
/// webhook) read requests this way.
struct WholeRequest {
    let limit: Int
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false

    init(limit: Int) { self.limit = limit }

    /// Takes one part of the request; returns the request at its end.
    mutating func take(_ part: HTTPServerRequestPart, allocator: ByteBufferAllocator) -> (head: HTTPRequestHead, body: [UInt8], tooLarge: Bool)? {
        switch part {
        case .head(let head):
            self.head = head
            body = allocator.buffer(capacity: 0)
            tooLarge = false
        case .body(var chunk):
            guard !tooLarge else { return nil }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > limit {
                tooLarge = true
                body?.clear()
            } else {
                body?.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return nil }
            defer {
                self.head = nil
                body = nil
            }
            return (head, body.map { Array($0.readableBytesView) } ?? [], tooLarge)
        }
        return nil
    }
}

/// One whole HTTP/1.1 response, as both servers answer: a length, a type, and the connection closed after
/// it unless it is kept alive.
enum HTTPReply {
    static func send(
        _ context: ChannelHandlerContext, version: HTTPVersion, status: HTTPResponseStatus, contentType: String, body: [UInt8], keepAlive: Bool
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.count)")
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
