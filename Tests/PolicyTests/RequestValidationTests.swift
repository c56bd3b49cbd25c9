import Foundation
import Testing

@testable import Policy

/// Values that used to reach runc and fail there (exit 1, runc's log line): now refused by the policy.
@Suite("request values are checked before anything is created")
struct RequestValidationTests {
    let profile: Profile

    init() throws {
        profile = try ProfileFixtures.parse("name: unit\n")
    }

    func outcome(_ configure: (inout RunRequest) -> Void) -> String {
        var request = RunRequest(image: "img")
        configure(&request)
        do {
            _ = try Policy.enforce(request, profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]))
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test("names: at most 64 characters of letters, digits, '_', '.', '-'")
    func names() {
        #expect(outcome { $0.name = "web-1.a_b" } == "accepted")
        #expect(outcome { $0.name = String(repeating: "n", count: 64) } == "accepted")
        #expect(outcome { $0.name = String(repeating: "n", count: 65) }.hasPrefix("invalid --name nnnn"))
        #expect(outcome { $0.name = "-x" }.hasPrefix("invalid --name -x: use letters"))
        #expect(outcome { $0.name = "a/b" }.hasPrefix("invalid --name a/b"))
        #expect(outcome { $0.name = "../x" }.hasPrefix("invalid --name ../x"))
        #expect(outcome { $0.name = "é" }.hasPrefix("invalid --name"))
    }

    @Test("hostnames: non-empty, at most 64 characters, RFC 1123 labels")
    func hostnames() {
        #expect(outcome { $0.hostname = "db.internal-1" } == "accepted")
        #expect(outcome { $0.hostname = "" } == "invalid --hostname \"\": a hostname cannot be empty; leave the flag out for the default")
        #expect(
            outcome { $0.hostname = String(repeating: "h", count: 70) }
                == "invalid --hostname \(String(repeating: "h", count: 70)): at most 64 characters (70 given)")
        #expect(outcome { $0.hostname = "a..b" }.hasPrefix("invalid --hostname a..b"))
        #expect(outcome { $0.hostname = "-a" }.hasPrefix("invalid --hostname -a"))
        #expect(outcome { $0.hostname = "a b" }.hasPrefix("invalid --hostname a b"))
    }

    @Test("environment entries need a name before '='")
    func environment() {
        #expect(outcome { $0.env = ["A=1", "B="] } == "accepted")
        #expect(outcome { $0.env = ["=x"] } == "invalid --env =x: the variable name before '=' is empty")
        #expect(outcome { $0.env = ["="] }.hasPrefix("invalid --env ="))
    }

    @Test("uid and gid 4294967295 are (uid_t)-1 and refused; 4294967294 is an id")
    func largeIDs() {
        #expect(outcome { $0.user = "4294967294" } == "accepted")
        #expect(outcome { $0.user = "4294967295" }.hasPrefix("invalid --user 4294967295: 4294967295 is (uid_t)-1"))
        #expect(outcome { $0.user = "1000:4294967295" }.hasPrefix("invalid --user 1000:4294967295"))
        #expect(outcome { $0.user = "4294967296" }.hasPrefix("invalid --user 4294967296"))
    }
}
