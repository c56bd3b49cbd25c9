import Foundation
import Testing

/// Checks for what integration tests need. Under CI=true a missing requirement is a test failure;
/// elsewhere the test prints why it skips and returns.
enum Requirements {
    static var underCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// True when every named tool is on PATH and we are root; otherwise records a failure (CI) or prints a skip.
    static func met(tools: [String], needsRoot: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        var missing: [String] = []
        if needsRoot, getuid() != 0 { missing.append("root") }
        for tool in tools where which(tool) == nil { missing.append(tool) }
        guard !missing.isEmpty else { return true }
        let message = "integration test needs \(missing.joined(separator: ", ")) (scripts/test installs them)"
        if underCI {
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        } else {
            print("SKIP: \(message)")
        }
        return false
    }

    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
            return "\(dir)/\(tool)"
        }
        return nil
    }
}
