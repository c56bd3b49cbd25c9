import Foundation
import Testing

/// The one place that decides whether a test may skip, used by every test target. Under CI nothing may
/// skip: a test that cannot run there fails. Elsewhere it prints why and returns, and the skip is written
/// to the file `$SECURERUN_TEST_SKIP_LOG` names, so `scripts/test` ends with how many tests skipped.
public enum TestRun {
    /// The environment variable naming the file each skip is appended to (one line each).
    public static let skipLogVariable = "SECURERUN_TEST_SKIP_LOG"

    /// Whether this run is CI's (see `isCI(_:)`).
    public static var underCI: Bool { isCI(ProcessInfo.processInfo.environment["CI"]) }

    /// A `CI` value counts as CI unless it is absent, empty, `0`, `false` or `no` (any case, spaces
    /// ignored). CI services set `true`, `1` or `yes`; a check for exactly `true` let `CI=1` skip every
    /// integration test and still pass.
    public static func isCI(_ value: String?) -> Bool {
        guard let value = value?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return !["", "0", "false", "no"].contains(value)
    }

    /// The current test cannot run here because of `reason` (a missing tool, root, a daemon). Under CI
    /// that is a failure at `sourceLocation`; elsewhere a `SKIP` line. Either way the skip log gets a line.
    public static func skip(
        _ reason: String, environment: [String: String] = ProcessInfo.processInfo.environment, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let reason = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
        let test = Test.current.map { "\($0.id)" } ?? "\(sourceLocation.fileID):\(sourceLocation.line)"
        if isCI(environment["CI"]) {
            Issue.record(Comment(rawValue: "cannot run under CI (nothing may skip there): \(reason)"), sourceLocation: sourceLocation)
        } else {
            print("SKIP \(test): \(reason)")
        }
        if let log = environment[skipLogVariable], !log.isEmpty { append("\(test): \(reason)\n", to: log) }
    }

    /// Appends `line` with one write(2) on an O_APPEND descriptor, so lines of tests running at once never interleave.
    static func append(_ line: String, to path: String) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            Issue.record(Comment(rawValue: "cannot open the skip log \(path): \(String(cString: strerror(errno)))"))
            return
        }
        defer { close(descriptor) }
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written != bytes.count { Issue.record(Comment(rawValue: "cannot write the skip log \(path)")) }
    }
}
