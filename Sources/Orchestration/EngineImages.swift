import Foundation
import Runtime

/// The images securerun loaded into the Docker Engine for the docker backend. Each carries securerun's
/// tag (`securerun.invalid/loaded:<id>`), which is dropped when its last container goes; the engine then
/// removes the image unless a container or a name of someone else's keeps it.
public enum EngineImages {
    /// Drops securerun's tag from every image it loaded that no container uses any more (what a removal
    /// that was interrupted, or that found the image still in use, left); one line per image the engine
    /// removed. Nothing when no engine answers.
    public static func releaseUnused() -> [String] {
        guard let engine = try? DockerEngine(), FileManager.default.fileExists(atPath: engine.socket) else { return [] }
        return engine.releaseUnusedLoaded().map { "removed engine image \($0) (loaded by securerun; no container uses it)" }
    }
}
