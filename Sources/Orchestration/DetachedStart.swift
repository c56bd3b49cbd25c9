import Foundation

/// `run -d`: hands the request to a new monitor and prints the container's id once it runs.
enum DetachedStart {
    /// Returns 0 once the container runs; the monitor's refusal (with its exit code) otherwise.
    static func start(_ start: ContainerStart) throws -> Int32 {
        let order = Monitor.Order(request: start.request, profileName: start.profileName, runtime: start.runtime)
        let id = try Monitor.spawnStarter(order, stateRoot: start.stateRoot)
        start.output(id)
        return 0
    }
}
