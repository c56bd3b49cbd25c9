import Foundation
import Testing

@testable import Seccomp

/// A seccomp profile may never hand a syscall decision to a process outside the container.
@Suite struct DelegationTests {
    static let base = #""defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}"#

    func refusal(_ json: String) -> SeccompError? {
        seccompError { _ = try SeccompProfile.decode(Data(json.utf8), source: "caller.json").resolve(capabilities: [], source: "caller.json") }
    }

    @Test func listenerPathIsRefusedSoRuncNeverConnectsAsRootAndHandsTheNotifyFdToACallerSocket() {
        let json = "{\(Self.base), {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_NOTIFY\"}], \"listenerPath\": \"/tmp/attacker.sock\"}"
        let error = refusal(json)
        #expect(
            error?.description
                == "invalid seccomp profile caller.json: listenerPath: \"/tmp/attacker.sock\" is refused: runc would connect to it as root and hand it the container's seccomp notify fd; securerun never delegates syscall decisions"
        )
    }

    @Test func listenerMetadataIsRefused() {
        let error = refusal("{\(Self.base)], \"listenerMetadata\": \"x\"}")
        #expect(
            error
                == .invalid(
                    file: "caller.json", field: "listenerMetadata", reason: "is refused: it is only sent to a notify listener, which securerun never uses"))
    }

    @Test func notifyRuleIsRefusedSoNoListenerAnswersForTheContainer() {
        let error = refusal("{\(Self.base), {\"names\": [\"openat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}")
        #expect(error?.description.hasPrefix("invalid seccomp profile caller.json: syscalls[1].action: SCMP_ACT_NOTIFY is refused") == true)
    }

    @Test func notifyDefaultActionIsRefused() {
        let error = refusal(#"{"defaultAction": "SCMP_ACT_NOTIFY"}"#)
        #expect(error?.description.hasPrefix("invalid seccomp profile caller.json: defaultAction: SCMP_ACT_NOTIFY is refused") == true)
    }

    @Test func traceRuleIsRefusedSoAPtraceTracerOutsideCannotRunOrRewriteSyscalls() {
        let error = refusal("{\(Self.base), {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 1}]}")
        #expect(error?.description.hasPrefix("invalid seccomp profile caller.json: syscalls[1].action: SCMP_ACT_TRACE is refused") == true)
    }

    @Test func traceDefaultActionIsRefused() {
        let error = refusal(#"{"defaultAction": "SCMP_ACT_TRACE"}"#)
        #expect(error?.description.hasPrefix("invalid seccomp profile caller.json: defaultAction: SCMP_ACT_TRACE is refused") == true)
    }

    @Test func aNotifyRuleIsRefusedEvenWhenItsConditionsLeaveItOut() {
        // The file is judged as written: a rule that applies only with CAP_SYS_ADMIN is still refused.
        let json = "{\(Self.base), {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_NOTIFY\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}}]}"
        #expect(refusal(json)?.description.contains("syscalls[1].action: SCMP_ACT_NOTIFY is refused") == true)
    }
}
