import Dispatch
import Foundation

/// Forwards termination signals from securerun to the container's init while it runs.
public final class SignalForwarder: @unchecked Sendable {
    static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "securerun.signals")
    private var target: pid_t = 0
    private var handler: (@Sendable (Int32) -> Void)?
    private var pending: [Int32] = []

    public init() {
        for signalNumber in Self.forwarded {
            // The default action would kill securerun before it cleans up; the dispatch source sees it instead.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [unowned self] in
                if target > 0 {
                    kill(target, signalNumber)
                } else if let handler {
                    handler(signalNumber)
                } else {
                    pending.append(signalNumber)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Sends every later signal (and any that arrived before the container started) to `pid`. The pid
    /// is our unreaped child, so it cannot be reused by another process before we wait for it.
    public func forward(to pid: pid_t) {
        queue.sync {
            target = pid
            for signalNumber in pending { kill(pid, signalNumber) }
            pending.removeAll()
        }
    }

    /// Hands every later signal (and any pending) to `handler` (a backend without a host pid to signal).
    public func forward(_ handler: @escaping @Sendable (Int32) -> Void) {
        queue.sync {
            self.handler = handler
            for signalNumber in pending { handler(signalNumber) }
            pending.removeAll()
        }
    }

    /// Stops sending signals to the container once it has been reaped (its pid may be reused), while
    /// still keeping them from killing securerun during its clean-up.
    public func containerEnded() {
        queue.sync {
            target = 0
            handler = nil
        }
    }

    /// Stops forwarding and restores the default actions.
    public func stop() {
        queue.sync {
            target = 0
            handler = nil
            for source in sources { source.cancel() }
            sources.removeAll()
        }
        for signalNumber in Self.forwarded { signal(signalNumber, SIG_DFL) }
    }
}
