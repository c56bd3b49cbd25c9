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
    /// position and field; `fallback` places problems of the whole line.
    func check(
        _ arguments: [String], mode: GrammarMode, directory: String, place: (FlagOrigin) -> (SourcePosition?, String?),
        fallback: (SourcePosition?, String?), into sink: inout FindingSink
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
        for problem in Policy.findings(request, profile: judged, hostSecrets: secrets, host: host) {
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
    }
}
