import Foundation
import Testing

/// The README promises that a lint finding and a run refusal never disagree. This runs the real binaries
/// on the same lines: `securerun lint` on a shell file of `securerun run` lines (and of the same arguments
/// as `docker run` lines, judged against the same profile), and `securerun run --dry-run` on each line's
/// arguments. Lint flags a line exactly when run refuses it, with the rule id the refusal names.
@Suite("lint and run agree, line by line")
struct LintRunAgreementTests {
    /// Requests the test profile admits.
    static let allowed: [[String]] = [
        [],
        ["--memory", "128m", "--memory-swap", "128m"],
        ["--cpus", "0.25", "--pids-limit", "50"],
        ["--read-only"],
        ["--cap-drop", "ALL"],
        ["--user", "4242"],
        ["-u", "1000:1000"],
        ["--tmpfs", "/tmp:size=8m"],
        ["--network", "none"],
        ["-v", "/etc/hostname:/data/hostname:ro"],
        ["--security-opt", "no-new-privileges"],
        ["-e", "MODE=check", "--workdir", "/tmp"],
        ["-itd"],
        ["--ulimit", "nofile=64:64"],
    ]

    /// Each kind of loosening (the refusal tests' list) and a few more, with the rule a run refuses it by.
    static var loosening: [(flags: [String], rule: String)] {
        RunRefusalTests.cases.map { ($0.flags, $0.rule) } + [
            (["--cap-add", "NET_RAW"], "SR002"),
            (["--privileged", "--pid", "host"], "SR009"),
            (["--network=host"], "SR012"),
            (["--ipc", "host"], "SR015"),
            (["--device", "/dev/fuse"], "SR016"),
            (["-v", "/var/run/docker.sock:/var/run/docker.sock:ro"], "SR010"),
            // This round's rules: a network the profile does not list, and a limit above the profile's.
            (["--network", "appnet"], "SR012"),
            (["--ulimit", "core=1"], "SR023"),
        ]
    }

    /// How each line is put in the lint file: the way scripts run containers, which lint must see through.
    static let shapes: [@Sendable (String) -> String] = [
        { $0 },
        { "sudo \($0)" },
        { "nohup \($0) &" },
        { "if true; then \($0); fi" },
        { "env SECURERUN_DEBUG=0 \($0) | tee /dev/null" },
        { "out=$(\($0))" },
        { "time \($0) 2>&1" },
    ]

    static func quoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The ids of the findings on each line of the JSON report of `file`.
    static func findingsByLine(_ result: CLIResult, file: String) throws -> [Int: [String]] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect((report["unreadable"] as? [Any])?.isEmpty == true, "\(result)")
        var byLine: [Int: [String]] = [:]
        for finding in findings where finding["suppressed"] == nil {
            #expect(finding["file"] as? String == file)
            let line = try #require((finding["position"] as? [String: Any])?["line"] as? Int, "\(finding)")
            byLine[line, default: []].append(try #require(finding["rule"] as? String))
        }
        return byLine
    }

    @Test("lint flags a line exactly when securerun run --dry-run refuses it, with the same rule")
    func agree() throws {
        guard let fixture = RunFixture.available() else { return }
        let cases: [(flags: [String], rule: String?)] = Self.allowed.map { ($0, nil) } + Self.loosening.map { ($0.flags, $0.rule) }
        let directory = fixture.directory.appendingPathComponent("lint-agreement-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // One file of securerun run lines (each naming the profile), one of docker run lines (judged against
        // --profile): line i is case i, in one of the shapes scripts use.
        var securerunLines: [String] = []
        var dockerLines: [String] = []
        for (index, testCase) in cases.enumerated() {
            let arguments = (testCase.flags + [fixture.image, "true"]).map(Self.quoted).joined(separator: " ")
            let shape = Self.shapes[index % Self.shapes.count]
            securerunLines.append(shape("securerun run --profile \(Self.quoted(fixture.profile)) \(arguments)"))
            dockerLines.append(shape("docker run \(arguments)"))
        }
        let securerunFile = directory.appendingPathComponent("securerun-run.sh").path
        let dockerFile = directory.appendingPathComponent("docker-run.sh").path
        try (securerunLines.joined(separator: "\n") + "\n").write(toFile: securerunFile, atomically: true, encoding: .utf8)
        try (dockerLines.joined(separator: "\n") + "\n").write(toFile: dockerFile, atomically: true, encoding: .utf8)

        let linted = try fixture.cli.run(["lint", "--format", "json", securerunFile], timeout: 300)
        let lintedDocker = try fixture.cli.run(["lint", "--format", "json", "--profile", fixture.profile, dockerFile], timeout: 300)
        let refusals = cases.contains { $0.rule != nil }
        #expect(linted.status == (refusals ? 1 : 0), "\(linted)")
        #expect(lintedDocker.status == (refusals ? 1 : 0), "\(lintedDocker)")
        let lint = try Self.findingsByLine(linted, file: securerunFile)
        let lintDocker = try Self.findingsByLine(lintedDocker, file: dockerFile)

        for (index, testCase) in cases.enumerated() {
            let line = index + 1
            let run = try fixture.run(["--dry-run"] + testCase.flags, ["true"])
            let refusedBy = run.stderr.range(of: #"\[SR[0-9]{3} "#, options: .regularExpression).map { String(run.stderr[$0].dropFirst().dropLast()) }
            let shown = "line \(line) \(testCase.flags): run \(run.status) \(run.stderr.prefix(300))"
            // The corpus says what run does; run and both lint files must all say the same.
            #expect(refusedBy == testCase.rule, "\(shown)")
            if let rule = refusedBy {
                #expect(run.status == 125, "\(shown)")
                #expect(lint[line]?.contains(rule) == true, "\(shown); lint found \(lint[line] ?? [])")
                #expect(lintDocker[line]?.contains(rule) == true, "\(shown); lint of the docker line found \(lintDocker[line] ?? [])")
            } else {
                #expect(run.status == 0, "\(shown)")
                #expect(lint[line] == nil, "\(shown); lint found \(lint[line] ?? [])")
                #expect(lintDocker[line] == nil, "\(shown); lint of the docker line found \(lintDocker[line] ?? [])")
            }
            // A line with one loosening has one finding: lint reports nothing run would not refuse.
            if testCase.rule != nil, testCase.flags.filter({ $0.hasPrefix("-") }).count == 1 {
                #expect(lint[line]?.count == 1, "\(shown); lint found \(lint[line] ?? [])")
            }
        }
        #expect(Set(lint.keys).subtracting(1...cases.count).isEmpty, "findings on lines no case is on: \(lint)")
    }
}
