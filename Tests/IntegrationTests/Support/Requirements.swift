import Foundation
import TestSupport
import Testing

/// Checks for what integration tests need. A missing requirement goes through `TestRun.skip`: under CI
/// (any `CI` value but empty, 0, false or no) a test failure; elsewhere a printed and logged skip.
enum Requirements {
    static var underCI: Bool { TestRun.underCI }

    /// True when every named tool is on PATH and we are root; otherwise the test cannot run (`skip`).
    static func met(tools: [String], needsRoot: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        var missing: [String] = []
        if needsRoot, getuid() != 0 { missing.append("root") }
        for tool in tools where which(tool) == nil { missing.append(tool) }
        guard !missing.isEmpty else { return true }
        skip("integration test needs \(missing.joined(separator: ", ")) (scripts/test installs them)", sourceLocation: sourceLocation)
        return false
    }

    /// The test cannot run here because of `reason`: a failure under CI, a logged skip elsewhere.
    static func skip(_ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        TestRun.skip(reason, sourceLocation: sourceLocation)
    }

    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
            return "\(dir)/\(tool)"
        }
        return nil
    }
}
