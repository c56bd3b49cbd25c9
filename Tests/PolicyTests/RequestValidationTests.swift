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

    func outcome(_ flags: [String]) throws -> String {
        do {
            _ = try Policy.enforce(Requests.parse(flags), profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]))
            return "accepted"
        } catch let error as PolicyError {
            return error.description
        }
    }

    @Test("names: at most 64 characters of letters, digits, '_', '.', '-'")
    func names() throws {
        #expect(try outcome(["--name", "web-1.a_b"]) == "accepted")
        #expect(try outcome(["--name", String(repeating: "n", count: 64)]) == "accepted")
        #expect(try outcome(["--name", String(repeating: "n", count: 65)]).hasPrefix("invalid --name nnnn"))
        #expect(try outcome(["--name=-x"]).hasPrefix("invalid --name=-x: use letters"))
        #expect(try outcome(["--name", "a/b"]).hasPrefix("invalid --name a/b"))
        #expect(try outcome(["--name", "../x"]).hasPrefix("invalid --name ../x"))
        #expect(try outcome(["--name", "é"]).hasPrefix("invalid --name"))
    }

    @Test("hostnames (-h is --hostname): non-empty, at most 64 characters, RFC 1123 labels")
    func hostnames() throws {
        #expect(try outcome(["-h", "db.internal-1"]) == "accepted")
        #expect(try outcome(["--hostname", ""]) == "invalid --hostname \"\": a hostname cannot be empty; leave the flag out for the default")
        let long = String(repeating: "h", count: 70)
        #expect(try outcome(["-h", long]) == "invalid -h \(long): at most 64 characters (70 given)")
        #expect(try outcome(["--hostname", "a..b"]).hasPrefix("invalid --hostname a..b"))
        #expect(try outcome(["--hostname=-a"]).hasPrefix("invalid --hostname=-a"))
        #expect(try outcome(["-h", "a b"]).hasPrefix("invalid -h a b"))
        #expect(try outcome(["--domainname", "example.com"]) == "accepted")
        #expect(try outcome(["--domainname", "a_b"]).hasPrefix("invalid --domainname a_b"))
    }

    @Test("environment entries with a NUL are refused")
    func environment() throws {
        #expect(try outcome(["-e", "A=1", "-e", "B="]) == "accepted")
        #expect(try outcome(["-e", "A=x\u{0}y"]).hasPrefix("invalid -e A=x"))
    }

    @Test("uid and gid 4294967295 are (uid_t)-1 and refused; 4294967294 is an id")
    func largeIDs() throws {
        #expect(try outcome(["--user", "4294967294"]) == "accepted")
        #expect(try outcome(["--user", "4294967295"]).hasPrefix("invalid --user 4294967295: 4294967295 is (uid_t)-1"))
        #expect(try outcome(["--user", "1000:4294967295"]).hasPrefix("invalid --user 1000:4294967295"))
        #expect(try outcome(["--user", "4294967296"]).hasPrefix("invalid --user 4294967296"))
    }

    @Test("the working directory must be absolute")
    func workdir() throws {
        #expect(try outcome(["-w", "/app"]) == "accepted")
        #expect(try outcome(["-w", "app"]) == "invalid -w app: the working directory must be an absolute path")
    }
}
