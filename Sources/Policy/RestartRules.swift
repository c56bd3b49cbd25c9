/// The restart policies a profile may allow (`restart: {allowed: [on-failure, unless-stopped]}`); `no`
/// needs no allowance.
public enum RestartKind: String, Sendable, Hashable, Codable, CaseIterable {
    case onFailure = "on-failure"
    case unlessStopped = "unless-stopped"
    case always
}

extension RestartPolicy {
    /// The kind a profile allows, or nil for `no`.
    public var kind: RestartKind? {
        switch self {
        case .no: return nil
        case .onFailure: return .onFailure
        case .unlessStopped: return .unlessStopped
        case .always: return .always
        }
    }

    /// Whether a container that ended with `exitCode` (nil: unknown, as after its monitor died) comes
    /// back, having been restarted `restarts` times so far; `stoppedByUser` is an explicit `stop`, which no
    /// policy overrides while the host runs (docker's `always` comes back only when the host restarts).
    public func restarts(after exitCode: Int32?, restarts: Int, stoppedByUser: Bool) -> Bool {
        if stoppedByUser { return false }
        switch self {
        case .no: return false
        case .always, .unlessStopped: return true
        case .onFailure(let maxRetries):
            // An unknown end is not known to be a success: docker counts only exit code 0 as one.
            guard exitCode != 0 else { return false }
            return maxRetries.map { restarts < $0 } ?? true
        }
    }

    /// Whether the container comes back when the host starts again (`securerun restore`): `always`, and
    /// `unless-stopped` unless it was stopped explicitly, as docker's daemon does at its start.
    public func restoresAtBoot(stoppedByUser: Bool) -> Bool {
        switch self {
        case .always: return true
        case .unlessStopped: return !stoppedByUser
        case .no, .onFailure: return false
        }
    }
}

/// Docker's restart back-off: 100 ms before the first restart, doubling each time, at most a minute, and
/// back to 100 ms once a container ran for 10 seconds (daemon/restartmanager).
public struct RestartBackoff: Sendable, Equatable {
    /// The delay before the next restart, in seconds.
    public private(set) var delay: Double = 0.1

    public init() {}

    /// Called when the container ended after running `ranFor` seconds: the delay to wait before the restart.
    public mutating func next(ranFor: Double) -> Double {
        if ranFor >= 10 {
            delay = 0.1
        }
        let wait = delay
        delay = min(delay * 2, 60)
        return wait
    }
}

/// SR033: a restart policy must be one the profile allows, and only securerun, which takes the start
/// decision again before each restart, may keep it. `Policy.enforce` (every door that reads a request) and
/// lint ask ``violation(_:allowed:judge:)``; the doors that hand a container to the Docker Engine, which
/// would restart it by itself with no decision taken again, also ask ``engineViolation(_:profile:)``.
enum RestartRules {
    static func violation(_ request: RunRequest, allowed: Set<RestartKind>, judge: Judge) -> PolicyViolation? {
        guard let restart = request.restart, let kind = restart.value.kind, !allowed.contains(kind) else { return nil }
        let list = RestartKind.allCases.filter(allowed.contains).map(\.rawValue)
        return judge.violation(
            .restartPolicy, restart.origin,
            list.isEmpty
                ? "this profile allows no restart policy (its restart.allowed is empty); run without --restart, or under a profile that allows \(kind.rawValue)"
                : "this profile allows only \(list.joined(separator: ", ")) (its restart.allowed); use one of those or --restart no")
    }

    static func engineViolation(_ request: RunRequest, profile: String) -> PolicyViolation? {
        guard let restart = request.restart, restart.value.kind != nil else { return nil }
        return PolicyViolation(
            rule: .restartPolicy, origin: restart.origin, profile: profile,
            detail:
                "the Docker Engine would restart the container by itself, without taking the admission decision again; run it with --runtime runc or crun, whose securerun monitor restarts it after checking the image and the profile again"
        )
    }
}

extension Policy {
    /// SR033 for a request the Docker Engine would keep (securerun's docker backend, the engine plugin's
    /// creates): any restart policy but `no` is refused, since the engine restarts without asking anyone.
    public static func engineRestartViolation(_ request: RunRequest, profile: Profile) -> PolicyViolation? {
        RestartRules.engineViolation(request, profile: profile.name)
    }
}
