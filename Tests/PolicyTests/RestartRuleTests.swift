import Policy
import Testing

/// SR033 and the restart decision the monitor takes (docker's restart manager: count, back-off, stop).
@Suite("restart policies: the profile's allow-list, docker's decision and back-off")
struct RestartRuleTests {
    @Test("the shipped default profile allows on-failure and unless-stopped, not always; an omitted restart: allows none")
    func allowList() throws {
        let shipped = try ProfileFixtures.shipped("default")
        #expect(shipped.allowedRestarts == [.onFailure, .unlessStopped])
        let bare = try ProfileFixtures.parse("name: bare\n")
        #expect(bare.allowedRestarts.isEmpty)
        func refusal(_ flag: String, _ profile: Profile) throws -> PolicyViolation? {
            Policy.requestViolations(try Requests.parse(["--restart", flag]), profile: profile).first { $0.rule == .restartPolicy }
        }
        #expect(try refusal("on-failure:3", shipped) == nil && refusal("unless-stopped", shipped) == nil && refusal("no", bare) == nil)
        let always = try #require(try refusal("always", shipped))
        #expect(always.description.contains("--restart always") && always.description.contains("[SR033 restart-policy]"), "\(always)")
        #expect(try refusal("on-failure", bare)?.detail.contains("allows no restart policy") == true)
    }

    @Test("a restart.allowed entry that is not a policy is refused, naming the field")
    func badProfileEntry() throws {
        #expect(throws: PolicyError.self) { try ProfileFixtures.parse("name: bad\nrestart:\n  allowed: [sometimes]\n") }
        #expect(throws: PolicyError.self) { try ProfileFixtures.parse("name: bad\nrestart:\n  alowed: [always]\n") }
    }

    @Test("the engine's door refuses every policy but no: the engine would restart with no decision taken again")
    func engineRefusal() throws {
        let shipped = try ProfileFixtures.shipped("default")
        #expect(Policy.engineRestartViolation(try Requests.parse(["--restart", "no"]), profile: shipped) == nil)
        #expect(Policy.engineRestartViolation(try Requests.parse(["--restart", "on-failure"]), profile: shipped)?.rule == .restartPolicy)
    }

    @Test(
        "docker's decision: on-failure:N restarts non-zero exits N times, always and unless-stopped restart any end, stop keeps any down",
        arguments: [
            (RestartPolicy.onFailure(maxRetries: 3), Int32(1), 2, false, true), (.onFailure(maxRetries: 3), 1, 3, false, false),
            (.onFailure(maxRetries: nil), 0, 0, false, false), (.onFailure(maxRetries: nil), nil, 0, false, true), (.always, 0, 50, false, true),
            (.unlessStopped, 137, 0, true, false), (.always, 1, 0, true, false), (.no, 1, 0, false, false),
        ] as [(RestartPolicy, Int32?, Int, Bool, Bool)])
    func decision(_ policy: RestartPolicy, _ code: Int32?, _ restarts: Int, _ stopped: Bool, _ expected: Bool) {
        #expect(policy.restarts(after: code, restarts: restarts, stoppedByUser: stopped) == expected)
    }

    @Test("at boot: always comes back even after a stop, unless-stopped only when not stopped, on-failure and no stay down")
    func boot() {
        #expect(RestartPolicy.always.restoresAtBoot(stoppedByUser: true))
        #expect(RestartPolicy.unlessStopped.restoresAtBoot(stoppedByUser: false) && !RestartPolicy.unlessStopped.restoresAtBoot(stoppedByUser: true))
        #expect(!RestartPolicy.onFailure(maxRetries: nil).restoresAtBoot(stoppedByUser: false) && !RestartPolicy.no.restoresAtBoot(stoppedByUser: false))
    }

    @Test("back-off: 100 ms doubling to a minute, back to 100 ms after a run of 10 seconds")
    func backoff() {
        var backoff = RestartBackoff()
        let waits = (0..<12).map { _ in backoff.next(ranFor: 1) }
        #expect(waits.prefix(4) == [0.1, 0.2, 0.4, 0.8] && waits.last == 60 && waits.allSatisfy { $0 <= 60 })
        #expect(backoff.next(ranFor: 10) == 0.1 && backoff.next(ranFor: 0) == 0.2)
    }
}
