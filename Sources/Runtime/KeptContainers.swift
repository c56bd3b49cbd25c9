import Foundation

/// A backend whose engine keeps a container after it stops (the Docker Engine): the container, its
/// settings and its log stay until it is removed, and anyone with the engine's socket can start it again
/// (`docker start`). securerun therefore follows such a container through its whole life in the engine
/// instead of tearing it down when it first ends, and reads its log from the engine.
public protocol KeepsStoppedContainers: ContainerBackend {
    /// What the engine says of container `id` right now; nil when it has no such container.
    func engineState(id: String) throws(RuntimeError) -> EngineState?
    /// Calls `changed` with what the engine says of container `id` once it follows it (nothing for one
    /// only created), then for each start and exit and its removal from `since` (seconds since 1970) on,
    /// in order, until `changed` returns false or the engine's stream ends (the engine stopped). The same
    /// change may come twice.
    func follow(id: String, since: Int64, _ changed: (EngineChange) -> Bool) throws(RuntimeError)
    /// Writes container `id`'s log through `emit(bytes, stream)` (`stdout` or `stderr`), the last `tail`
    /// lines or all; with `follow`, until the container stops. False when the engine has no such container.
    func printLog(id: String, tail: Int?, timestamps: Bool, follow: Bool, window: LogWindow, emit: ([UInt8], String) -> Void) throws(RuntimeError) -> Bool
}

/// A change of a container the engine keeps.
public enum EngineChange: Sendable, Equatable {
    /// It started (or started again).
    case started
    /// Its process ended with this code (128+N after signal N; nil when the engine did not say).
    case exited(code: Int32?)
    /// The engine removed it.
    case removed
}

/// A container as its engine sees it.
public struct EngineState: Sendable, Equatable {
    /// Created, running, paused or stopped.
    public var status: BackendStatus
    /// The last exit code, once it has ended.
    public var exitCode: Int32?

    /// A state.
    public init(status: BackendStatus, exitCode: Int32?) {
        self.status = status
        self.exitCode = exitCode
    }
}
