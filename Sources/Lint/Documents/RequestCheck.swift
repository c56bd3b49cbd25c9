import DockerCompat
import Foundation
import Policy

/// Judges one command line (a `docker run` line, or a compose service turned into one) exactly as a run
/// would: docker's grammar first (DockerCompat), then every rule of the policy (`Policy.findings`, the
/// rules `Policy.enforce` runs), each finding placed at the flag that asked for it. One check serves a whole
/// file: what costs more than the line (the host's secrets, a profile a line names) is worked out once.
final class RequestCheck {
    /// The profile requests are judged against.
    let profile: Profile
    /// The host facts rules need (`--ulimit`, `--cpuset-*`, `--platform`).
    let host: HostFacts
    /// The host's secret paths, found once (it reads /etc/passwd and looks for each pattern).
    let secrets = HostSecrets(patterns: HostSecrets.systemPatterns + HostSecrets.homeSecrets.map { "/home/*/" + $0 })
    /// Profiles named by `--profile` on a line, loaded once each.
    var namedProfiles: [String: Result<Profile, PolicyError>] = [:]

    /// A check against `profile`.
    init(profile: Profile, host: HostFacts) {
        self.profile = profile
        self.host = host
    }

    /// Lint reads no file a flag names (env files, label files): their contents are the runner's business.
    struct NoFiles: FileSource {
        func contents(of path: String) throws(FileSourceError) -> [UInt8] { [] }
    }

    /// Judges `arguments` (the words after `run`); `place` turns an origin's word index and offset into a
    /// position and field; `fallback` places problems of the whole line. With `floorField` the request is
    /// one the engine gets as it is (a compose service: nothing adds the floor), so the floor it leaves out
    /// is judged too, by the rule the engine plugin refuses it with (`Policy.floorViolations`), each finding
    /// at the field `floorField` names for a compose key.
    func check(
        _ arguments: [String], mode: GrammarMode, directory: String, place: (FlagOrigin) -> (SourcePosition?, String?),
        fallback: (SourcePosition?, String?), floorField: ((String) -> String)? = nil, into sink: inout FindingSink
    ) {
        let context = ParseContext(environment: [:], workingDirectory: directory, files: NoFiles())
        let parsed: ParsedRun
        do {
            parsed = try DockerRunParser.parse(arguments, mode: mode, context: context)
        } catch {
            let (position, field) = error.origin.map(place) ?? fallback
            sink.add(CommandLineInvalid.description, error.description, field: field, at: position)
            return
        }
        guard !parsed.helpRequested else { return }
        var request = parsed.request
        let carried = EngineFloor(request: request)
        // A user or group named (not numbered) is resolved against the image, which lint does not have;
        // root is refused whatever the image says.
        if let user = request.user, !user.value.namesRoot, UserID(parsing: user.value.description) == nil { request.user = nil }
        request.groupAdd.removeAll { $0.value != "root" && !$0.value.allSatisfy(\.isNumber) }
        var judged = profile
        if let named = parsed.profile {
            let loaded =
                namedProfiles[named.value]
                ?? Result { () throws(PolicyError) in
                    // A path (as the loader tells one from a shipped name): vetted before the loader opens it.
                    if named.value.contains("/") || [".yaml", ".yml", ".json"].contains(where: { named.value.hasSuffix($0) }),
                        let refusal = LintFiles.profileRefusal(named.value)
                    {
                        throw PolicyError.unreadable(path: named.value, reason: refusal)
                    }
                    return try ProfileLoader.load(named.value)
                }
            namedProfiles[named.value] = loaded
            switch loaded {
            case .success(let profile):
                judged = profile
            case .failure(let error):
                let (position, field) = place(named.origin)
                sink.add(CommandLineInvalid.description, error.description, field: field, at: position)
                return
            }
        }
        // Each rule and key a policy finding names (`SR003 services.app.read_only`), so the floor does not
        // report a value the policy already refused (`read_only: false`) a second time.
        var named: Set<String> = []
        for problem in Policy.findings(request, profile: judged, hostSecrets: secrets, host: host) {
            if case .violation(let violation) = problem {
                let field = violation.origin.flatMap { $0.index == nil ? nil : place($0).1 } ?? fallback.1
                named.insert("\(violation.rule.id) \(Self.key(field))")
            }
            switch problem {
            case .violation(let violation):
                let rule = Catalogue.policyRule(violation.rule)
                let (position, field) = violation.origin.flatMap { $0.index == nil ? nil : place($0) } ?? fallback
                sink.add(rule, "\(violation.flag): \(violation.detail)", field: field, at: position)
            case .invalidRequest(let flag, let reason, let origin):
                let (position, field) = origin.flatMap { $0.index == nil ? nil : place($0) } ?? fallback
                sink.add(RequestInvalid.description, "invalid \(flag): \(reason)", field: field, at: position)
            default:
                let (position, field) = fallback
                sink.add(RequestInvalid.description, problem.description, field: field, at: position)
            }
        }
        guard let floorField else { return }
        // Lint cannot ask the engine for its default cgroup namespace mode; it takes the private one (cgroup
        // v2, or dockerd --default-cgroupns-mode private), and the plugin asks the engine it guards.
        let missing = Policy.floorViolations(
            carried, profile: judged, cgroupnsPrivateByDefault: true,
            origin: { field, value in
                FlagOrigin(
                    flag: field.composeKey, typed: value == nil || value == "unset" ? field.composeKey : "\(field.composeKey): \(value ?? "")", index: nil)
            })
        for violation in missing {
            let rule = Catalogue.policyRule(violation.rule)
            let (position, field) =
                violation.origin.flatMap { $0.index == nil ? nil : place($0) } ?? (fallback.0, floorField(violation.origin?.flag ?? ""))
            guard !named.contains("\(violation.rule.id) \(Self.key(field))") else { continue }
            sink.add(rule, "\(violation.flag): \(violation.detail)", field: field, at: position)
        }
    }

    /// A finding's field without its list index (`services.app.cap_add[0]` is `services.app.cap_add`).
    static func key(_ field: String?) -> String {
        guard let field else { return "" }
        return field.firstIndex(of: "[").map { String(field[..<$0]) } ?? field
    }
}
