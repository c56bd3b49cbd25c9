import StrictJSON

/// The engine the plugin serves, asked what a decision needs (an image's id, a container's pinned image,
/// an exec's user): `GET` requests on the Engine API. The plugin's own calls pass through the engine's
/// authorization too, where reads are allowed at once.
public protocol EngineClient: Sendable {
    /// `GET path` (`/images/NAME/json`); the status and body.
    func get(_ path: String) throws(EnginePluginError) -> (status: Int, body: [UInt8])
}

/// What the plugin reads from the engine's inspect answers.
enum EngineFacts {
    /// The reader for the engine's answers (large inspect documents, unknown fields ignored).
    static let decoder = StrictJSONDecoder(limits: JSONLimits(maxBytes: 16 << 20, maxDepth: 64))

    /// The id (`sha256:…`, the config digest) of the engine's image `reference`, or nil when it has none.
    static func imageID(_ reference: String, engine: any EngineClient) throws(EnginePluginError) -> String? {
        struct Inspect: Decodable { var Id: String }
        let response = try engine.get("/images/\(escape(reference))/json")
        if response.status == 404 { return nil }
        guard response.status == 200, let inspect = try? decoder.decode(Inspect.self, from: response.body) else {
            throw .engineUnavailable("image inspect of \(reference) answered \(response.status)")
        }
        return inspect.Id
    }

    /// Whether the engine gives containers a private cgroup namespace when a create names none: its
    /// `/info` lists `name=cgroupns` among its security options exactly then.
    static func defaultsToPrivateCgroupNamespace(engine: any EngineClient) throws(EnginePluginError) -> Bool {
        struct Info: Decodable { var SecurityOptions: [String]? }
        let response = try engine.get("/info")
        guard response.status == 200, let info = try? decoder.decode(Info.self, from: response.body) else {
            throw .engineUnavailable("info answered \(response.status)")
        }
        return (info.SecurityOptions ?? []).contains("name=cgroupns")
    }

    /// A container as the engine holds it.
    struct Container: Decodable {
        struct Config: Decodable {
            var Image: String?
            var User: String?
        }
        struct Host: Decodable {
            var Memory: Int64?
            var MemorySwap: Int64?
            var NanoCpus: Int64?
            var CpuQuota: Int64?
            var CpuPeriod: Int64?
            var PidsLimit: Int64?
        }
        var Id: String
        var Image: String
        var Config: Config?
        var HostConfig: Host?

        /// The CPUs it may use now (NanoCpus, else quota over period), nil when unlimited.
        var cpus: Double? {
            if let nano = HostConfig?.NanoCpus, nano > 0 { return Double(nano) / 1e9 }
            if let quota = HostConfig?.CpuQuota, quota > 0 {
                let period = HostConfig?.CpuPeriod.flatMap { $0 > 0 ? $0 : nil } ?? 100_000
                return Double(quota) / Double(period)
            }
            return nil
        }
    }

    static func container(_ id: String, engine: any EngineClient) throws(EnginePluginError) -> Container? {
        let response = try engine.get("/containers/\(escape(id))/json")
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw .engineUnavailable("container inspect of \(id) answered \(response.status)") }
        do {
            return try decoder.decode(Container.self, from: response.body)
        } catch {
            throw .engineUnavailable("cannot read the engine's inspect of container \(id): \(error)")
        }
    }

    /// An exec as the engine holds it.
    struct Exec: Decodable {
        struct Process: Decodable {
            var user: String?
            var privileged: Bool?
        }
        var ContainerID: String
        var ProcessConfig: Process
    }

    static func exec(_ id: String, engine: any EngineClient) throws(EnginePluginError) -> Exec? {
        let response = try engine.get("/exec/\(escape(id))/json")
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw .engineUnavailable("exec inspect of \(id) answered \(response.status)") }
        do {
            return try decoder.decode(Exec.self, from: response.body)
        } catch {
            throw .engineUnavailable("cannot read the engine's inspect of exec \(id): \(error)")
        }
    }

    /// A path segment (or an image name with its slashes) percent-encoded for a request line.
    static func escape(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5a, 0x61...0x7a, 0x2d, 0x2e, 0x5f, 0x7e, 0x2f, 0x3a, 0x40:
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                result += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 15)])"
            }
        }
        return result
    }
}
