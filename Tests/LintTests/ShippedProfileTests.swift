import Foundation
import Testing

@testable import Lint

/// The profiles securerun ships lint clean: no finding of any severity, so a change that weakens one fails here.
@Suite("Lint: the shipped profiles are clean")
struct ShippedProfileTests {
    @Test("profiles/*.yaml and profiles/seccomp/*.json have no findings")
    func clean() throws {
        let profiles = LintFixtures.repository().appendingPathComponent("profiles")
        let reports = try LintFixtures.linter().lint(paths: [profiles.path])
        let files = reports.map { URL(fileURLWithPath: $0.file).lastPathComponent }
        #expect(files.contains("default.yaml") && files.contains("production.yaml") && files.contains("default.json"), "\(files)")
        for report in reports {
            #expect(report.problem == nil, "\(report.file): \(report.problem ?? "")")
            #expect(report.findings.isEmpty, "\(report.file): \(report.findings.map { "\($0.rule) \($0.message)" })")
        }
        #expect(reports.first { $0.file.hasSuffix("default.json") }?.kind == .seccomp)
        #expect(reports.first { $0.file.hasSuffix("production.yaml") }?.kind == .profile)
    }
}
