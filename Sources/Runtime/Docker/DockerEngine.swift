import Foundation
import HostSystem
import Images
import StrictJSON

/// The Docker Engine API, spoken directly over its unix socket (API v1.41, what Debian's dockerd 20.10
/// offers; newer engines accept it). Errors are the engine's own message as `RuntimeError.engineFailed`.
public struct DockerEngine: Sendable {
    /// The unix socket (`$DOCKER_HOST` when it is `unix://…`, else /var/run/docker.sock).
    public let socket: String
    static let version = "/v1.41"

    /// The engine at `$DOCKER_HOST` or the default socket. A TCP `DOCKER_HOST` is refused: securerun
    /// talks to a local engine only (no TLS client certificates to get wrong).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(RuntimeError) {
        let host = environment["DOCKER_HOST"] ?? ""
        if host.isEmpty {
            socket = "/var/run/docker.sock"
        } else if host.hasPrefix("unix://") {
            socket = String(host.dropFirst("unix://".count))
        } else {
            throw .engineUnavailable(socket: host, reason: "DOCKER_HOST must be a local unix:// socket for securerun")
        }
    }

    /// A request returning JSON; a non-2xx status throws the engine's message.
    @discardableResult
    func call(_ method: String, _ path: String, body: (any Encodable)? = nil, verb: String, allow: Set<Int> = []) throws(RuntimeError) -> (
        status: Int, body: [UInt8]
    ) {
        let connection = try EngineConnection(socketPath: socket)
        var bytes: [UInt8]?
        if let body {
            do {
                bytes = Array(try JSONEncoder().encode(body))
            } catch {
                throw .engineFailed(verb: verb, message: "cannot encode the request: \(error)")
            }
        }
        let response = try connection.request(method, Self.version + path, body: bytes)
        guard (200..<300).contains(response.status) || allow.contains(response.status) else {
            throw .engineFailed(verb: verb, message: Self.message(response.body) ?? "status \(response.status)")
        }
        return (response.status, response.body)
    }

    /// Decodes a JSON response.
    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], verb: String) throws(RuntimeError) -> T {
        do {
            return try StrictJSONDecoder(limits: JSONLimits(maxBytes: 64 << 20, maxDepth: 64)).decode(type, from: bytes)
        } catch {
            throw .engineFailed(verb: verb, message: "unexpected answer: \(error)")
        }
    }

    /// The engine's `{"message": "…"}`.
    static func message(_ body: [UInt8]) -> String? {
        struct Message: Decodable { var message: String }
        return (try? StrictJSONDecoder().decode(Message.self, from: body))?.message
    }

    /// The engine's version string.
    public func version() -> String? {
        struct Version: Decodable {
            var Version: String
            var ApiVersion: String
        }
        guard let response = try? call("GET", "/version", verb: "version"), let version = try? decode(Version.self, response.body, verb: "version")
        else { return nil }
        return "\(version.Version) (API \(version.ApiVersion))"
    }

    /// Whether the daemon runs its containers in a user namespace (`userns-remap`: `docker info` lists
    /// `name=userns` among its SecurityOptions). That remap is daemon-wide: one range for every container.
    public func remapsUserIds() throws(RuntimeError) -> Bool {
        struct Info: Decodable {
            var SecurityOptions: [String]?
        }
        let info = try decode(Info.self, try call("GET", "/info", verb: "info").body, verb: "info")
        return (info.SecurityOptions ?? []).contains { $0.split(separator: ",").contains("name=userns") }
    }

    /// The engine's inspect JSON of container `name` (a name or id), or nil when it has none.
    public func inspectContainer(_ name: String) throws(RuntimeError) -> [UInt8]? {
        guard !name.isEmpty, !name.contains("/"), !name.contains("?"), !name.contains("#") else { return nil }
        let response = try call("GET", "/containers/\(name)/json", verb: "inspect", allow: [404])
        return response.status == 404 ? nil : response.body
    }

    // MARK: - Images

    /// Writes the engine's image `name` as a docker-save archive to `file` (0600), streamed.
    public func save(_ name: String, to file: URL, limit: Int64) throws(RuntimeError) {
        guard !name.isEmpty, !name.contains("?"), !name.contains("#"), !name.contains(" ") else {
            throw .engineFailed(verb: "save", message: "\"\(name)\" is not an image name")
        }
        let fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .engineFailed(verb: "save", message: "cannot create \(file.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let escaped = name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? name
        let response = try EngineConnection(socketPath: socket).download(Self.version + "/images/\(escaped)/get", to: fd, limit: limit)
        guard (200..<300).contains(response.status) else {
            throw .engineFailed(verb: "save", message: Self.message(response.body) ?? "status \(response.status)")
        }
    }

    /// Whether the engine has the image whose id is `configDigest` (`sha256:…`), and that id is exactly it.
    func hasImage(_ configDigest: String) throws(RuntimeError) -> Bool {
        struct Inspect: Decodable { var Id: String }
        let response = try call("GET", "/images/\(configDigest)/json", verb: "image inspect", allow: [404])
        guard response.status != 404 else { return false }
        return try decode(Inspect.self, response.body, verb: "image inspect").Id == configDigest
    }

    /// The tag securerun gives an image it loads into the engine: `securerun.invalid/loaded:<config hex>`.
    /// Containers are still created by image id (a tag can be re-pointed); the tag says the image is
    /// securerun's to remove, and shows what it is in `docker images` instead of `<none>`. The `.invalid`
    /// domain never resolves (RFC 2606), so no push can take it anywhere.
    static func loadedTag(_ configDigest: String) -> String {
        "\(loadedRepository):\(configDigest.hasPrefix("sha256:") ? String(configDigest.dropFirst(7)) : configDigest)"
    }

    static let loadedRepository = "securerun.invalid/loaded"

    /// Loads a stored image into the engine as a docker-archive streamed from the store (no temporary
    /// file), tagged with ``loadedTag(_:)`` so that it can be told from the user's own images.
    func load(_ image: StoredImage, store: ImageStore) throws(RuntimeError) {
        let manifest: Manifest
        do {
            manifest = try store.manifest(image)
        } catch {
            throw .engineFailed(verb: "load", message: "cannot read \(image.manifestDigest) from the store: \(error)")
        }
        let connection = try EngineConnection(socketPath: socket)
        let response = try connection.streamingRequest("POST", Self.version + "/images/load?quiet=1", contentType: "application/x-tar") {
            (write) throws(RuntimeError) in
            let failure = { (error: ImageError) in RuntimeError.engineFailed(verb: "load", message: "\(error)") }
            let configHex = manifest.config.digest.hex
            var layers: [String] = []
            for layer in manifest.layers {
                if layer.mediaType.contains("zstd") {
                    throw .engineFailed(verb: "load", message: "layer \(layer.digest) is zstd-compressed, which this engine's load cannot read")
                }
                let name = "\(layer.digest.hex)/layer.tar"
                layers.append(name)
                try TarWriter.file(
                    name, path: store.blobURL(layer.digest).path, size: layer.size, digest: layer.digest, failure: failure, write: write)
            }
            try TarWriter.file(
                "\(configHex).json", path: store.blobURL(manifest.config.digest).path, size: manifest.config.size,
                digest: manifest.config.digest, failure: failure, write: write)
            struct Entry: Encodable {
                var Config: String
                var RepoTags: [String]
                var Layers: [String]
            }
            let entry: [UInt8]
            do {
                entry = Array(
                    try JSONEncoder().encode([Entry(Config: "\(configHex).json", RepoTags: [Self.loadedTag(image.configDigest)], Layers: layers)]))
            } catch {
                throw .engineFailed(verb: "load", message: "\(error)")
            }
            try TarWriter.bytes("manifest.json", entry, failure: failure, write: write)
            try TarWriter.finish(write: write)
        }
        let text = String(decoding: response.body, as: UTF8.self)
        guard (200..<300).contains(response.status), !text.contains("\"errorDetail\"") else {
            throw .engineFailed(verb: "load", message: Self.message(response.body) ?? text.prefix(300).description)
        }
        guard try hasImage(image.configDigest) else {
            throw .engineFailed(verb: "load", message: "the engine did not list \(image.configDigest) after loading it")
        }
    }

    /// Drops securerun's tag from image `imageID`. The engine then removes the image only when that tag
    /// was its last name and no container (securerun's or anyone's) uses it; an image securerun did not
    /// load has no such tag and is never touched, and a name the user added keeps it. True when the
    /// engine removed the image.
    @discardableResult
    func releaseLoaded(_ imageID: String) -> Bool {
        let hex = imageID.hasPrefix("sha256:") ? imageID.dropFirst(7) : ""
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit),
            let response = try? call("DELETE", "/images/\(Self.loadedTag(imageID))", verb: "rmi", allow: [404, 409]), response.status == 200
        else { return false }
        struct Removed: Decodable { var Deleted: String? }
        let removed = (try? decode([Removed].self, response.body, verb: "rmi")) ?? []
        return removed.contains { $0.Deleted == imageID }
    }

    /// Releases every image securerun loaded that no container uses any more (see ``releaseLoaded(_:)``);
    /// returns the ids the engine removed.
    public func releaseUnusedLoaded() -> [String] {
        struct Listed: Decodable {
            var Id: String
            var RepoTags: [String]?
        }
        let filter = "{\"reference\":[\"\(Self.loadedRepository)\"]}"
        let query = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        guard let response = try? call("GET", "/images/json?filters=\(query)", verb: "images"),
            let listed = try? decode([Listed].self, response.body, verb: "images")
        else { return [] }
        return listed.filter { ($0.RepoTags ?? []).contains(Self.loadedTag($0.Id)) }.map(\.Id).filter { releaseLoaded($0) }
    }

    // MARK: - Containers

    /// Removes container `reference` (killing what runs in it), then releases its image if securerun
    /// loaded it and nothing else uses it; false when the engine had no such container.
    @discardableResult
    func removeContainer(_ reference: String, verb: String) throws(RuntimeError) -> Bool {
        struct Inspect: Decodable { var Image: String }
        let inspected = try call("GET", "/containers/\(reference)/json", verb: verb, allow: [404])
        guard inspected.status != 404 else { return false }
        let image = try? decode(Inspect.self, inspected.body, verb: verb).Image
        try call("DELETE", "/containers/\(reference)?force=1&v=1", verb: verb, allow: [404])
        if let image { releaseLoaded(image) }
        return true
    }

    /// One start, exit or removal of a container, as the engine's event stream tells it.
    struct ContainerEvent: Decodable {
        struct Actor: Decodable {
            var ID: String
            var Attributes: [String: String]?
        }
        var Action: String
        var Actor: Actor
    }

    /// Calls `handle` for each start, exit (`die`) and removal (`destroy`) of container `id` from `since`
    /// (seconds since 1970; the engine replays what it still remembers) on, in order, until `handle`
    /// returns false or the stream ends (the engine stopped). `opened` runs once the stream is open,
    /// before the first event (false stops there).
    func containerEvents(_ id: String, since: Int64, opened: () -> Bool, _ handle: (ContainerEvent) -> Bool) throws(RuntimeError) {
        let filter = "{\"container\":[\"\(id)\"],\"type\":[\"container\"],\"event\":[\"start\",\"die\",\"destroy\"]}"
        let query = "since=\(since)&filters=" + (filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        var pending: [UInt8] = []
        let response = try EngineConnection(socketPath: socket).stream("GET", Self.version + "/events?\(query)", verb: "events", opened: opened) {
            (bytes) throws(RuntimeError) -> Bool in
            pending.append(contentsOf: bytes)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                guard !line.isEmpty else { continue }
                if !handle(try decode(ContainerEvent.self, line, verb: "events")) { return false }
            }
            guard pending.count < 1 << 20 else { throw .engineFailed(verb: "events", message: "an event over 1 MiB") }
            return true
        }
        guard (200..<300).contains(response.status) else {
            throw .engineFailed(verb: "events", message: Self.message(response.body) ?? "status \(response.status)")
        }
    }

    /// Writes container `id`'s log as the engine keeps it through `emit(bytes, stream)` (`stdout` or
    /// `stderr`; everything is `stdout` for a container with a terminal). With `follow`, goes on until the
    /// container stops. False when the engine has no such container.
    func containerLogs(_ id: String, tail: Int?, timestamps: Bool, follow: Bool, window: LogWindow, emit: ([UInt8], String) -> Void) throws(RuntimeError)
        -> Bool
    {
        struct Inspect: Decodable {
            struct Config: Decodable { var Tty: Bool }
            var Config: Config
        }
        let inspected = try call("GET", "/containers/\(id)/json", verb: "logs", allow: [404])
        guard inspected.status != 404 else { return false }
        var frames = FrameReader(terminal: try decode(Inspect.self, inspected.body, verb: "logs").Config.Tty)
        var query = "stdout=1&stderr=1&timestamps=\(timestamps ? 1 : 0)&follow=\(follow ? 1 : 0)&tail=\(tail.map(String.init) ?? "all")"
        if let since = window.since { query += "&since=\(since.engineText)" }
        if let until = window.until { query += "&until=\(until.engineText)" }
        let response = try EngineConnection(socketPath: socket).stream("GET", Self.version + "/containers/\(id)/logs?\(query)", verb: "logs") {
            bytes in
            frames.frames(bytes) { stream, payload in emit(payload, stream == 2 ? "stderr" : "stdout") }
            return true
        }
        guard (200..<300).contains(response.status) else {
            throw .engineFailed(verb: "logs", message: Self.message(response.body) ?? "status \(response.status)")
        }
        return true
    }
}
