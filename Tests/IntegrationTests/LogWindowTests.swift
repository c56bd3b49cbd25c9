import Foundation
import TestSupport
import Testing

/// Issue 22: the logs a service owner needs: `logs --since/--until`, and a log the profile caps.
@Suite("logs: --since/--until and the profile's logs.maxSize", .serialized)
struct LogWindowTests {
    @Test("--since and --until print only the lines of that window (a time, a Unix time, a duration); a bad value names the flag")
    func window() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        let script = "echo early; sleep 2; echo late; sleep 30"
        let started = try isolated.run(["-d"], ["sh", "-c", script])
        let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(started.status == 0, "\(started)")
        defer { _ = try? isolated.cli.run(["rm", "-f", id]) }
        var all = ""
        _ = Wait.until(timeout: 20, interval: 0.2) {
            all = (try? isolated.cli.run(["logs", "--timestamps", id]).stdout) ?? ""
            return all.contains("late")
        }
        let lines = all.split(separator: "\n")
        let early = try #require(lines.first { $0.hasSuffix(" early") }.map { String($0.split(separator: " ")[0]) }, "\(all)")
        let late = try #require(lines.first { $0.hasSuffix(" late") }.map { String($0.split(separator: " ")[0]) }, "\(all)")
        #expect(early < late)
        // One second after "early" (which came two seconds before "late"): only "late" is since then.
        let middle = try #require(Self.rfc3339(Self.seconds(early) + 1))
        #expect(try isolated.cli.run(["logs", "--since", middle, id]).stdout == "late\n")
        #expect(try isolated.cli.run(["logs", "--until", middle, id]).stdout == "early\n")
        #expect(try isolated.cli.run(["logs", "--since", "\(Int(Self.seconds(early)) + 1)", id]).stdout == "late\n", "a Unix time")
        #expect(try isolated.cli.run(["logs", "--since", "1h", id]).stdout == "early\nlate\n", "a duration before now")
        #expect(try isolated.cli.run(["logs", "--since", "2099-01-01", id]).stdout == "", "a date in the future: nothing yet")
        let bad = try isolated.cli.run(["logs", "--since", "yesterday", id])
        #expect(bad.status != 0 && bad.stderr.contains("--since \"yesterday\" is not a duration"), "\(bad)")
    }

    @Test("the profile's logs.maxSize caps what a chatty container keeps on the host: the newest lines stay")
    func capped() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        let profile = try RunFixture.writeProfile(in: isolated.temp.url, name: "small-logs", extra: "logs:\n  maxSize: 64k")
        // About 400 KB of numbered lines, then a last one.
        let script = "i=0; while [ $i -lt 8000 ]; do echo \"line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; i=$((i+1)); done; echo last-line"
        let started = try isolated.run(["-d"], ["sh", "-c", script], profile: profile)
        let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(started.status == 0, "\(started)")
        defer { _ = try? isolated.cli.run(["rm", "-f", id]) }
        #expect(try isolated.cli.run(["wait", id], timeout: 60).stdout == "0\n")
        let logs = try isolated.cli.run(["logs", id])
        #expect(logs.stdout.hasSuffix("last-line\n") && !logs.stdout.contains("line 0 "), "the oldest lines went first")
        let directory = isolated.cli.root.appendingPathComponent("containers/\(id)")
        var kept = 0
        for part in ["log", "log.1"] {
            kept += ((try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(part).path)[.size]) as? Int) ?? 0
        }
        #expect(kept > 0 && kept <= 64 << 10, "the log keeps at most logs.maxSize: \(kept) bytes")
        let tooSmall = try RunFixture.writeProfile(in: isolated.temp.url, name: "tiny-logs", extra: "logs:\n  maxSize: 1k")
        let refused = try isolated.run([], ["true"], profile: tooSmall)
        #expect(refused.status != 0 && refused.stderr.contains("logs.maxSize"), "\(refused)")
    }

    static func seconds(_ timestamp: String) -> Double {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let whole = String(timestamp.prefix(19)) + "Z"
        return formatter.date(from: whole)?.timeIntervalSince1970 ?? 0
    }

    static func rfc3339(_ seconds: Double) -> String? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
