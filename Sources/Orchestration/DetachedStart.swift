import Foundation
import Policy

/// `run -d`: hands the request to a new monitor and prints the container's id once it runs.
enum DetachedStart {
    /// Returns 0 once the container runs; the monitor's refusal (with its exit code) otherwise.
    static func start(_ start: ContainerStart) throws -> Int32 {
        // The monitor works from /: a profile path given relative to the caller's directory (by any door,
        // --profile or $SECURERUN_PROFILE) is made absolute while that directory is still the caller's.
        let profile = start.profileName.map { ProfileLoader.absolute($0, workingDirectory: FileManager.default.currentDirectoryPath) }
        let order = Monitor.Order(request: start.request, profileName: profile, runtime: start.runtime)
        let id = try Monitor.spawnStarter(order, stateRoot: start.stateRoot)
        start.output(id)
        return 0
    }
}
