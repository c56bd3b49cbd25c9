import Foundation
import TestSupport
import Testing

/// With `CI=1` every integration test printed SKIP and the run was green: the checks compared `CI` with
/// exactly "true". One rule now decides, and every skip is a failure under CI and a line in the skip log.
@Suite("skips: any CI value but empty, 0, false or no means nothing may skip, and every skip is logged")
struct SkipRuleTests {
    @Test("CI values that mean CI", arguments: ["true", "1", "yes", "TRUE", "True", " true ", "on", "github"])
    func ciValues(_ value: String) {
        #expect(TestRun.isCI(value))
    }

    @Test("values that do not", arguments: [nil, "", "0", "false", "no", "FALSE", "No", " "] as [String?])
    func notCIValues(_ value: String?) {
        #expect(!TestRun.isCI(value))
    }

    @Test("under CI=1 a skip is a recorded failure and a line in the skip log")
    func skipUnderCIFails() throws {
        let temp = try TemporaryDirectory("securerun-skiplog")
        defer { withExtendedLifetime(temp) {} }
        let log = temp.url.appendingPathComponent("skips")
        withKnownIssue("a skip under CI is a failure") {
            TestRun.skip("needs a tool\nthat is missing", environment: ["CI": "1", TestRun.skipLogVariable: log.path])
        } matching: { issue in
            issue.comments.contains { $0.rawValue.contains("cannot run under CI") && $0.rawValue.contains("needs a tool that is missing") }
        }
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasSuffix(": needs a tool that is missing"), "\(lines)")
    }

    @Test("outside CI a skip is no failure, and the skip log still counts it")
    func skipOutsideCILogged() throws {
        let temp = try TemporaryDirectory("securerun-skiplog")
        defer { withExtendedLifetime(temp) {} }
        let log = temp.url.appendingPathComponent("skips")
        for value in ["0", "false"] {
            TestRun.skip("needs root", environment: ["CI": value, TestRun.skipLogVariable: log.path])
        }
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains("SkipRuleTests") && $0.hasSuffix(": needs root") }, "\(lines)")
    }
}
