import Foundation
import Testing

/// Many judged calls at once: each asks the engine about its image, and the engine asks the plugin about
/// that question. With every call on the plugin's small thread pool, a pool full of creates waiting on the
/// engine held up the answers they waited for, and the engine with them (found by scripts/bench's load run);
/// the engine's questions are now answered on the event loop. In the plugin's suite, so nothing stops its
/// plugin meanwhile.
extension EnginePluginTests {
    @Test("more concurrent judged creates than the plugin has pool threads are all answered")
    func concurrentCreatesAreAllAnswered() throws {
        guard let engine = EnginePluginFixture.available() else { return }
        var object = try engine.compliantBody()
        var host = object["HostConfig"] as? [String: Any] ?? [:]
        host["Privileged"] = true
        object["HostConfig"] = host
        let body = [UInt8](try JSONSerialization.data(withJSONObject: object))
        let request = EnginePluginFixture.createRequest(body, headers: ["Content-Type: application/json", "Content-Length: \(body.count)"])
        let list = Array("GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".utf8)
        // Raw requests on connections of their own reach the plugin together (docker CLI processes start too
        // slowly to): creates, and between them reads, as the bench's load run sends them.
        let count = 48
        let answers = Answers(count: count)
        // A thread each (concurrentPerform runs only as many at once as there are CPUs).
        let done = DispatchGroup()
        for index in 0..<count {
            done.enter()
            Thread {
                answers.set(index, (try? engine.raw(index % 2 == 0 ? request : list)) ?? "")
                done.leave()
            }.start()
        }
        #expect(done.wait(timeout: .now() + 120) == .success, "the engine did not answer every request")
        for (index, answer) in answers.all.enumerated() {
            if index % 2 == 0 {
                #expect(answer.hasPrefix("HTTP/1.1 403") && answer.contains("SR009"), "\(answer.prefix(300))")
            } else {
                #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(300))")
            }
        }
        // The engine still answers.
        #expect(try engine.docker(["ps"], timeout: 30).status == 0)
    }

    /// Answers written from concurrent iterations.
    final class Answers: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String]
        init(count: Int) { values = Array(repeating: "", count: count) }
        func set(_ index: Int, _ value: String) { lock.withLock { values[index] = value } }
        var all: [String] { lock.withLock { values } }
    }
}
