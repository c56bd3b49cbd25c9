import Foundation
import Testing

@testable import Lint

/// Every command a shell would run is judged, wherever the grammar puts it: a `docker run --privileged`
/// hidden in a compound command, a substitution, behind a wrapper or in a script given as a word was
/// missed, so a pull request could add one and pass lint. Text a shell does not run is not judged.
@Suite("Lint: every command position a shell runs")
struct CommandPositionTests {
    /// Lines a shell runs `docker run --privileged` from (or the same through compose, `-u root`), with the
    /// column of the flag lint must point at (line 1).
    static let hidden: [(text: String, column: Int)] = [
        ("if true; then docker run --privileged busybox; fi", 26),
        ("if docker run --privileged busybox; then :; fi", 15),
        ("while false; do docker run --privileged busybox; done", 28),
        ("until docker run --privileged busybox; do :; done", 18),
        ("x=$(docker run --privileged busybox)", 16),
        ("x=\"$(docker run --privileged busybox)\"", 17),
        ("echo `docker run --privileged busybox`", 18),
        ("echo \"${x:-$(docker run --privileged busybox)}\"", 25),
        ("diff <(docker run --privileged busybox) /dev/null", 19),
        ("echo $(( $(docker run --privileged busybox) + 1 ))", 23),
        ("nohup docker run --privileged busybox &", 18),
        ("time docker run --privileged busybox", 17),
        ("time -p docker run --privileged busybox", 20),
        ("exec docker run --privileged busybox", 17),
        ("sudo docker run --privileged busybox", 17),
        ("sudo -u root -E docker run --privileged busybox", 28),
        ("env DOCKER_HOST=unix:///run/docker.sock docker run --privileged busybox", 52),
        ("env -i PATH=/usr/bin /usr/bin/docker run --privileged busybox", 42),
        ("command docker run --privileged busybox", 20),
        ("DEBUG=1 docker run --privileged busybox", 20),
        ("nice -n 5 timeout 60 docker run --privileged busybox", 33),
        ("xargs -n1 docker run --privileged busybox", 22),
        ("find . -name x -exec docker run --privileged busybox {} \\;", 33),
        ("true && docker run --privileged busybox", 20),
        ("false || docker run --privileged busybox", 21),
        ("true; docker run --privileged busybox", 18),
        ("true | docker run --privileged busybox", 19),
        ("true |& docker run --privileged busybox", 20),
        ("true & docker run --privileged busybox", 19),
        ("! docker run --privileged busybox", 14),
        ("( docker run --privileged busybox )", 14),
        ("(cd /srv && docker run --privileged busybox)", 24),
        ("{ docker run --privileged busybox; }", 14),
        ("deploy() { docker run --privileged busybox; }", 23),
        ("function deploy { docker run --privileged busybox; }", 30),
        ("case $1 in start) docker run --privileged busybox;; esac", 30),
        ("case $1 in (a|b) true;; *) docker run --privileged busybox;; esac", 39),
        ("for i in 1 2; do docker run --privileged busybox; done", 29),
        ("sh -c 'docker run --privileged busybox'", 19),
        ("bash -ec \"docker run --privileged busybox\"", 22),
        ("sudo sh -c 'cd /srv && docker run --privileged busybox'", 35),
        ("eval docker run --privileged busybox", 17),
        ("eval 'docker run --privileged busybox'", 18),
        ("su -c 'docker run --privileged busybox' deploy", 19),
        ("ssh -p 2222 host 'docker run --privileged busybox'", 30),
        ("trap 'docker run --privileged busybox' EXIT", 18),
        ("docker run --privileged busybox > /tmp/log 2>&1", 12),
        ("2>/dev/null docker run --privileged busybox", 24),
        ("docker --context prod run --privileged busybox", 27),
        ("docker container run --privileged busybox", 22),
        ("docker create --privileged busybox", 15),
        ("docker container create --privileged busybox", 25),
        ("podman run --privileged busybox", 12),
        ("securerun run --privileged busybox", 15),
        ("securerun docker run --privileged busybox", 22),
        ("\"docker\" run --privileged busybox", 14),
        ("\\docker run --privileged busybox", 13),
        ("docker compose run --cap-add SYS_ADMIN web", 20),
        ("docker compose -f prod.yaml run --rm -u root web", 39),
        ("docker-compose run -dv /:/host web", 22),
        ("docker compose run --privileged web", 20),
    ]

    @Test("docker run --privileged is found where a shell would run it", arguments: hidden.indices)
    func found(_ index: Int) throws {
        let (text, column) = Self.hidden[index]
        let report = try LintFixtures.lint(text + "\n", name: "deploy.sh")
        #expect(report.kind == .dockerRun, "\(text)")
        let finding = try #require(report.findings.first, "nothing found in: \(text)")
        #expect(["SR009", "SR002", "SR001", "SR010", "SR400"].contains(finding.rule), "\(text): \(finding.rule) \(finding.message)")
        #expect(finding.position == SourcePosition(line: 1, column: column), "\(text): \(finding.message)")
        #expect(report.findings.count == 1, "\(text): \(report.findings.map(\.message))")
    }

    /// Text a shell does not run as a command.
    static let inert = [
        "echo docker run --privileged busybox",
        "echo 'docker run --privileged busybox'",
        "# docker run --privileged busybox",
        "printf '%s\\n' \"$(echo docker run --privileged busybox)\"",
        "command -v docker run --privileged",
        "sudo -l docker run --privileged busybox",
        "cat <<'EOF'\ndocker run --privileged busybox\nEOF",
        "cat <<EOF\ndocker run --privileged busybox\nEOF",
        "echo $((1 << 2)); cat <<EOF\nEOF",
        "[[ $x == docker && $y == run ]] && echo --privileged",
        "for docker in run --privileged; do :; done",
        "case docker in run) echo --privileged;; esac",
        "bash ./deploy.sh --privileged",
        "docker exec web docker run --privileged busybox",
        "x='docker run --privileged busybox'",
    ]

    @Test("text a shell does not run is not judged", arguments: inert)
    func notRun(_ text: String) throws {
        let report = try LintFixtures.lint(text + "\n", name: "deploy.sh", kind: .dockerRun)
        #expect(report.findings.isEmpty, "\(text): \(report.findings.map { "\($0.rule) \($0.message)" })")
    }

    @Test("a here-document given to a shell is a script; its substitutions run even when it is data")
    func hereDocuments() throws {
        let text = """
            bash <<'EOF'
            docker run --privileged busybox
            EOF
            cat <<EOF > /tmp/notes
            docker run --pid host busybox
            $(docker run --network host busybox)
            EOF
            ssh deploy@host <<-EOF
            \tdocker run -u root busybox
            \tEOF
            docker run --cap-add ALL busybox

            """
        let report = try LintFixtures.lint(text, name: "deploy.sh")
        #expect(report.rules == ["SR009", "SR012", "SR001", "SR002"], "\(report.findings.map { "\($0.position!) \($0.rule)" })")
        #expect(report.findings.map(\.position?.line) == [2, 6, 9, 11])
    }

    @Test("commands continued over lines, inside quotes and substitutions, keep their positions")
    func positions() throws {
        let text = "if true\nthen\n  sh -c \"docker run \\\n    --pid host busybox\"\nfi\necho \"$(\n  docker run --privileged busybox)\"\n"
        let report = try LintFixtures.lint(text, name: "deploy.sh")
        #expect(report.rules == ["SR015", "SR009"])
        #expect(report.findings.map(\.position) == [SourcePosition(line: 4, column: 5), SourcePosition(line: 7, column: 14)])
    }

    @Test("Windows line endings: a comment ends at its line (it hid every command after it)")
    func crlf() throws {
        let report = try LintFixtures.lint("# deploy\r\ndocker run \\\r\n  --privileged busybox\r\n", name: "deploy.sh")
        #expect(report.rules == ["SR009"])
        #expect(report.findings.first?.position == SourcePosition(line: 3, column: 3))
    }

    @Test("an unclosed quote is a finding (a shell reads the rest as one string), not silence")
    func unbalancedQuote() throws {
        let report = try LintFixtures.lint("docker run --rm busybox\necho 'unclosed\ndocker run --privileged busybox\n", name: "deploy.sh")
        #expect(report.rules == ["SR900"])
        let finding = try #require(report.findings.first)
        #expect(finding.position == SourcePosition(line: 2, column: 6))
        #expect(finding.message.hasPrefix("the quote (') opened here is never closed"))
        // A file that names docker but that securerun cannot read is still a docker-run file.
        let unreadable = try LintFixtures.lint("echo \"$(docker run --privileged busybox\n", name: "deploy.sh")
        #expect(unreadable.kind == .dockerRun)
        #expect(unreadable.rules.contains("SR900"), "\(unreadable.findings.map(\.message))")
    }

    @Test("an unclosed quote, through the command: exit 1 and the finding's line")
    func unbalancedQuoteCommand() throws {
        guard let outcome = try CommandTests.run(["lint", "--kind", "docker-run", "-"], stdin: "docker run \"--privileged busybox\n") else { return }
        #expect(outcome.status == 1)
        #expect(outcome.stdout == "-:1:12: error SR900 the quote (\") opened here is never closed; a shell would read the rest of the file as one string\n")
    }

    @Test("scripts inside scripts are followed to a bound, then a finding says so")
    func nestedScripts() throws {
        let text = String(repeating: "eval ", count: 12) + "docker run --privileged busybox"
        let report = try LintFixtures.lint(text + "\n", name: "deploy.sh", kind: .dockerRun)
        #expect(report.rules == ["SR900"], "\(report.findings.map(\.message))")
        #expect(report.findings.first?.message.contains("scripts nest more than 8 levels deep") == true)
        var shallow = "docker run --privileged busybox"
        for _ in 0..<3 { shallow = "sh -c '" + shallow.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let found = try LintFixtures.lint(shallow + "\n", name: "deploy.sh")
        #expect(found.rules == ["SR009"], "\(shallow): \(found.findings.map(\.message))")
    }
}
