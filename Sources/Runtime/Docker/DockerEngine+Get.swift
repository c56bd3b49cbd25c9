import Foundation

extension DockerEngine {
    /// The engine listening on the unix socket `path`.
    public init(socketPath path: String) throws(RuntimeError) {
        try self.init(environment: ["DOCKER_HOST": "unix://" + path])
    }

    /// `GET path` on the engine (API v1.41), whatever the status: the status and the body. For callers
    /// outside this module that only read (the engine plugin asks for image ids and containers).
    public func get(_ path: String) throws(RuntimeError) -> (status: Int, body: [UInt8]) {
        let response = try EngineConnection(socketPath: socket).request("GET", Self.version + path)
        return (response.status, response.body)
    }
}
