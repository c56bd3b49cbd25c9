import Foundation
import Testing

@testable import Policy

/// Issue 17, a new user's problem: under `default`, `-m 2g` or `-p 8080:80` was refused without saying
/// what would allow it. Each such refusal now names the profile field that sets the ceiling, or the
/// shipped profile that allows it, and keeps its rule id.
@Suite("refusals under the default profile say which profile field or shipped profile would allow the request")
struct RefusalHintTests {
    static let cases: [(flags: [String], rule: String, hint: String)] = [
        (["-m", "2g"], "[SR006 memory-ceiling]", "the profile field resources.memory sets the ceiling"),
        (["-m", "0"], "[SR006 memory-ceiling]", "the profile field resources.memory sets the ceiling"),
        (["--memory-swap", "-1"], "[SR006 memory-ceiling]", "the profile field resources.memorySwap sets the ceiling"),
        (["--cpus", "64"], "[SR007 cpu-ceiling]", "the profile field resources.cpus sets the ceiling"),
        (["--cpu-quota", "-1"], "[SR007 cpu-ceiling]", "the profile field resources.cpus sets the ceiling"),
        (["--pids-limit", "100000"], "[SR008 pids-ceiling]", "the profile field resources.pidsLimit sets the ceiling"),
        (["--pids-limit", "-1"], "[SR008 pids-ceiling]", "the profile field resources.pidsLimit sets the ceiling"),
        (["-p", "127.0.0.1:8080:80"], "[SR026 published-ports]", "use --profile service"),
        (["--network", "private"], "[SR012 network-mode]", "use --profile service"),
        (["--network", "bridge"], "[SR012 network-mode]", "use --profile service"),
    ]

    @Test("each refusal under default carries its rule id and a hint naming the field or the shipped profile", arguments: 0..<cases.count)
    func refusalUnderDefaultSaysWhatWouldAllowIt(index: Int) throws {
        let (flags, rule, hint) = Self.cases[index]
        let profile = try ProfileFixtures.shipped("default")
        do {
            _ = try Policy.enforce(try Requests.parse(flags), profile: profile, image: ImageDefaults(cmd: ["sh"]))
            Issue.record("\(flags) was not refused")
        } catch {
            let text = String(describing: error)
            #expect(text.hasPrefix("\(flags.joined(separator: " ")) refused by profile \"default\": "), "\(text)")
            #expect(text.hasSuffix(rule) && text.contains(hint), "\(flags): \(text)")
        }
    }

    @Test("the hint the refusal names works: --profile service allows -p 127.0.0.1:8080:80 and --network private")
    func theNamedShippedProfileAllowsIt() throws {
        let service = try ProfileFixtures.shipped("service")
        for flags in [["-p", "127.0.0.1:8080:80"], ["--network", "private"]] {
            let spec = try Policy.enforce(try Requests.parse(flags), profile: service, image: ImageDefaults(cmd: ["sh"]))
            #expect(spec.network.mode == .private, "\(flags)")
        }
    }

    @Test("lint reports the same text: the hint is part of the violation, not of one door")
    func lintSeesTheHint() throws {
        let violations = Policy.requestViolations(try Requests.parse(["-p", "127.0.0.1:8080:80"]), profile: try ProfileFixtures.shipped("default"))
        #expect(violations.contains { $0.rule == .publish && $0.detail.contains("use --profile service") }, "\(violations)")
    }
}
