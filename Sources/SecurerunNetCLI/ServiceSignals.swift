import CHostSystem
import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The long-running servers' signals and reloads, in one place. SIGHUP, or a change to the files behind a
/// watched part (a profile, its seccomp file, trusted keys, a certificate), reloads that part. SIGTERM and
/// SIGINT stop: the listening channel closes at once and what is in flight gets `grace` to finish; then
/// the process exits whatever is still waiting, so a stopping server always stops. Signals reach a thread
/// of its own through a self-pipe (a dispatch signal source missed SIGTERM after load: the kernel gave it
/// to a thread where it was ignored). Callers keep the returned value alive while they serve.
final class ServiceSignals {
    /// A part reloaded when its files change: how to see them, and how to reload it.
    struct Watched: Sendable {
        var fingerprint: @Sendable () -> String
        var reload: @Sendable (_ reason: String) -> Void
    }

    private let watcher: RepeatedTask

    init(
        group: any EventLoopGroup, channel: any Channel, logger: Logger, watched: [Watched], grace: TimeInterval = 5,
        onStop: @escaping @Sendable () -> Void = {}
    ) {
        let seen = NIOLockedValueBox(watched.map { $0.fingerprint() })
        watcher = group.next().scheduleRepeatedTask(initialDelay: .seconds(2), delay: .seconds(2)) { _ in
            let now = watched.map { $0.fingerprint() }
            let before = seen.withLockedValue { old -> [String] in
                defer { old = now }
                return old
            }
            for (index, part) in watched.enumerated() where before[index] != now[index] {
                part.reload("a watched file changed")
            }
        }
        var ends: [Int32] = [-1, -1]
        guard pipe2(&ends, O_CLOEXEC) == 0 else {
            logger.error("cannot make the signal pipe; SIGTERM will end the process without a clean stop", metadata: ["errno": "\(errno)"])
            return
        }
        for routed in [SIGHUP, SIGTERM, SIGINT] { _ = sr_route_signal_to_pipe(routed, ends[1]) }
        let reader = ends[0]
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while true {
                let count = read(reader, &byte, 1)
                if count < 0 && errno == EINTR { continue }
                guard count == 1 else { return }
                if Int32(byte) == SIGHUP {
                    for part in watched { part.reload("SIGHUP") }
                    continue
                }
                logger.notice("stopping", metadata: ["signal": "\(Int32(byte) == SIGTERM ? "SIGTERM" : "SIGINT")"])
                channel.close(promise: nil)
                onStop()
                // Bounded: nothing in flight may keep a stopping server alive.
                DispatchQueue.global().asyncAfter(deadline: .now() + grace) {
                    logger.warning("requests still in flight after the grace period; exiting")
                    exit(0)
                }
                return
            }
        }
    }

    /// Stops watching files (the server has stopped).
    func cancel() {
        watcher.cancel()
    }
}
