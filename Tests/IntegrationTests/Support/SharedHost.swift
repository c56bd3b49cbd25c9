import Foundation
import Testing

/// Tests that use what the whole host shares, the one dockerd and its images, the host's network set-up
/// (addresses, routes, forwarding, loopback ports) and its load, run one at a time: `@Suite(…, .sharedHost)`.
/// Swift Testing runs suites in parallel and `.serialized` orders only one suite's own tests; this holds
/// one process-wide lock around each test case of every suite that carries it, while the rest of the
/// suite runs beside them.
struct SharedHostTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        await SharedHostLock.shared.acquire()
        do {
            try await function()
        } catch {
            await SharedHostLock.shared.release()
            throw error
        }
        await SharedHostLock.shared.release()
    }
}

extension Trait where Self == SharedHostTrait {
    /// Run each test case alone among the tests that share dockerd and the host's network.
    static var sharedHost: Self { SharedHostTrait() }
}

/// A lock awaited without holding a thread (the tests block threads of the cooperative pool while they run).
actor SharedHostLock {
    static let shared = SharedHostLock()
    private var held = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            held = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
