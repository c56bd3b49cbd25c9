/// An Engine API request line read the way dockerd's router reads it, so the plugin judges the endpoint
/// the engine will run: an absolute-form target (`http://host/v1.41/…`) loses its scheme and host, the
/// query is split off at the first `?`, the path is percent-decoded (`/containers/%63reate` is create),
/// empty segments (`//`) and `.`/`..` are resolved as Go's `path.Clean` does, and an optional
/// `/vN.NN` prefix is the API version. What cannot be read this way is refused, never guessed.
public struct APIRoute: Sendable, Equatable {
    /// The HTTP method, exactly as sent (dockerd's router matches methods case-sensitively).
    public var method: String
    /// The API version from the `/vN.NN` prefix, if any.
    public var version: String?
    /// The path's segments after the version, decoded.
    public var segments: [String]
    /// The query's parameters in order, decoded (`+` is a space, as Go's `url.ParseQuery` reads it).
    public var query: [(name: String, value: String)]
    /// Whether the query held a `;`, which Go's query parser drops with the pair around it.
    public var queryHasSemicolon: Bool

    public static func == (lhs: APIRoute, rhs: APIRoute) -> Bool {
        lhs.method == rhs.method && lhs.version == rhs.version && lhs.segments == rhs.segments
            && lhs.query.map { [$0.name, $0.value] } == rhs.query.map { [$0.name, $0.value] } && lhs.queryHasSemicolon == rhs.queryHasSemicolon
    }

    /// The decoded path, `/`-joined, without the version (`/containers/create`).
    public var path: String { "/" + segments.joined(separator: "/") }

    /// The first value of query parameter `name` (what Go's `Form.Get` returns), if any.
    public func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// Reads `method` and the request target `uri` as dockerd's router would, or says why it cannot.
    public static func parse(method: String, uri: String) throws(EnginePluginError) -> APIRoute {
        guard !method.isEmpty else { throw .unreadableRequest("the request has no method") }
        var target = Substring(uri)
        // Go's server refuses control characters (and a space) in the target; so does the plugin.
        guard !target.utf8.contains(where: { $0 < 0x21 || $0 == 0x7f }) else {
            throw .unreadableRequest("the request target \(quoted(uri)) holds control characters or spaces")
        }
        let lower = target.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            let afterScheme = target[target.index(target.firstIndex(of: ":") ?? target.startIndex, offsetBy: 3)...]
            guard let slash = afterScheme.firstIndex(of: "/") else {
                throw .unreadableRequest("the request target \(quoted(uri)) names no path")
            }
            target = afterScheme[slash...]
        }
        guard target.first == "/" else { throw .unreadableRequest("the request target \(quoted(uri)) is not an absolute path") }
        var rawPath = target
        var rawQuery: Substring = ""
        if let mark = target.firstIndex(of: "?") {
            rawPath = target[..<mark]
            rawQuery = target[target.index(after: mark)...]
        }
        guard let decoded = percentDecode(rawPath, plusIsSpace: false) else {
            throw .unreadableRequest("the path \(quoted(String(rawPath))) has a malformed %-escape")
        }
        guard !decoded.utf8.contains(0) else { throw .unreadableRequest("the path holds a NUL byte") }
        var segments: [String] = []
        for part in decoded.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !segments.isEmpty { segments.removeLast() }
            default: segments.append(String(part))
            }
        }
        var version: String?
        if let first = segments.first, first.count > 1, first.hasPrefix("v"),
            first.utf8.dropFirst().allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2e })
        {
            version = String(first.dropFirst())
            segments.removeFirst()
        }
        var query: [(String, String)] = []
        var semicolon = false
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            if pair.contains(";") {
                semicolon = true
                continue
            }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecode(parts[0], plusIsSpace: true),
                let value = percentDecode(parts.count > 1 ? parts[1] : "", plusIsSpace: true)
            else {
                throw .unreadableRequest("the query \(quoted(String(rawQuery))) has a malformed %-escape")
            }
            query.append((name, value))
        }
        return APIRoute(method: method, version: version, segments: segments, query: query, queryHasSemicolon: semicolon)
    }

    /// `%XX` decoding of bytes; nil for a malformed escape or a result that is not UTF-8.
    static func percentDecode(_ text: Substring, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        func hex(_ byte: UInt8?) -> UInt8? {
            guard let byte else { return nil }
            switch byte {
            case 0x30...0x39: return byte - 0x30
            case 0x41...0x46: return byte - 0x41 + 10
            case 0x61...0x66: return byte - 0x61 + 10
            default: return nil
            }
        }
        while let byte = iterator.next() {
            if byte == 0x25 {
                guard let high = hex(iterator.next()), let low = hex(iterator.next()) else { return nil }
                bytes.append(high << 4 | low)
            } else if byte == 0x2b && plusIsSpace {
                bytes.append(0x20)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func quoted(_ text: String) -> String {
        let shown = text.count > 200 ? String(text.prefix(200)) + "…" : text
        return "\"" + shown.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "\""
    }
}
