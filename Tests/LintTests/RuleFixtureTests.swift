import Foundation
import Policy
import Testing

@testable import Lint

/// Every rule of the catalogue has a file that triggers it and one that does not
/// (`Fixtures/rules/ID.bad.*` and `ID.good.*`), so no rule exists without a test that can fail.
@Suite("Lint: each rule with a triggering and a clean file")
struct RuleFixtureTests {
    /// Every rule that reads some kind of file (the doors' own rules read none; see `doorRulesAreExplained`).
    static let ids = Catalogue.all.filter { !$0.kinds.isEmpty }.map(\.id)

    /// Rules only a profile with private networking can break are judged against the shipped `service` one.
    static let privateNetworkRules: Set = ["SR025"]

    func linter(for id: String) throws -> Linter {
        guard Self.privateNetworkRules.contains(id) else { return try LintFixtures.linter() }
        let service = LintFixtures.repository().appendingPathComponent("profiles/service.yaml").path
        return Linter(profile: try ProfileLoader.load(service), host: LintFixtures.host)
    }

    func fixture(_ id: String, _ variant: String) throws -> URL {
        let directory = try LintFixtures.directory("rules")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let name = try #require(names.first { $0.hasPrefix("\(id).\(variant).") }, "no Fixtures/rules/\(id).\(variant).* for rule \(id)")
        return directory.appendingPathComponent(name)
    }

    @Test("the triggering file gets the rule", arguments: ids)
    func triggers(_ id: String) throws {
        let url = try fixture(id, "bad")
        let report = try linter(for: id).lintFile(url.path, explicit: true)
        #expect(report.problem == nil)
        #expect(report.rules.contains(id), "\(url.lastPathComponent): \(report.findings.map { "\($0.rule) \($0.message)" })")
        for finding in report.findings where finding.rule == id {
            #expect(finding.position != nil, "\(id) finding without a position: \(finding.message)")
        }
    }

    @Test("the clean file does not", arguments: ids)
    func clean(_ id: String) throws {
        let url = try fixture(id, "good")
        let report = try linter(for: id).lintFile(url.path, explicit: true)
        #expect(report.problem == nil)
        #expect(!report.rules.contains(id), "\(url.lastPathComponent): \(report.findings.filter { $0.rule == id }.map(\.message))")
    }

    @Test("every rule a refusal can name is explained by lint --explain, the doors' own ones included")
    func everyRefusalRuleIsExplained() throws {
        for rule in PolicyViolation.Rule.allCases {
            let described = try #require(Catalogue.rule(rule.id), "\(rule.id) is not in lint's catalogue")
            // The catalogue's fallback repeats the summary; an explanation says why and how to fix it.
            #expect(described.explanation.contains("Fix:"), "\(rule.id) \(rule.name) has no explanation of its own")
        }
        #expect(Catalogue.all.filter(\.kinds.isEmpty).map(\.id) == ["SR027", "SR028", "SR029", "SR030", "SR031", "SR032"])
    }
}
