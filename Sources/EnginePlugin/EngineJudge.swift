import Admission
import Foundation
import Images
import Policy

/// The plugin's decision for one API call: the endpoint table, then for judged endpoints the same
/// evaluation `securerun run` makes (`Policy.enforce`, the admission gate), plus the floor the request
/// must carry. Anything it cannot read is refused.
public struct EngineJudge: Sendable {
    /// The profile every container on this engine is held to.
    public var profile: Profile
    /// securerun's state root: the image store, attestations and trusted keys.
    public var stateRoot: URL
    /// The engine, asked for image ids, containers and execs.
    public var engine: any EngineClient
    /// The host's credentials (read from this host when nil).
    public var hostSecrets: HostSecrets?
    /// Host facts (read from this host when nil).
    public var hostFacts: HostFacts?

    public init(profile: Profile, stateRoot: URL, engine: any EngineClient, hostSecrets: HostSecrets? = nil, hostFacts: HostFacts? = nil) {
        self.profile = profile
        self.stateRoot = stateRoot
        self.engine = engine
        self.hostSecrets = hostSecrets
        self.hostFacts = hostFacts
    }

    /// The answer to an `AuthZReq`.
    public func answer(_ request: AuthZRequest) -> AuthZResponse {
        do {
            try decide(request)
            return .allow
        } catch {
            return .deny(error.description)
        }
    }

    /// Whether `request` is one the judge takes time over (a judged endpoint: it reads the body and the store,
    /// and asks the engine); every other call is decided from the endpoint table alone.
    public static func isJudged(_ request: AuthZRequest) -> Bool {
        guard let method = request.RequestMethod, let uri = request.RequestUri, let route = try? APIRoute.parse(method: method, uri: uri) else {
            return false
        }
        if case .judge = EndpointTable.decide(route) { return true }
        return false
    }

    /// Returns when the call may go on; throws why not.
    public func decide(_ request: AuthZRequest) throws(EnginePluginError) {
        guard let method = request.RequestMethod, let uri = request.RequestUri else {
            throw .unreadableRequest("the engine sent no method or request target")
        }
        let route = try APIRoute.parse(method: method, uri: uri)
        let endpoint = "\(method) \(route.path)"
        switch EndpointTable.decide(route) {
        case .allow:
            return
        case .refuse(let reason):
            throw .endpointRefused(endpoint: endpoint, reason: reason)
        case .unknown:
            throw .unknownEndpoint(method: method, path: route.path)
        case .judge(let judged):
            switch judged {
            case .containerCreate:
                let body = try Self.wholeBody(request, endpoint: endpoint)
                try judgeCreate(try CreateBody.read(body, route: route))
            case .containerStart(let container):
                if let checkpoint = route.queryValue("checkpoint"), !checkpoint.isEmpty {
                    throw .endpointRefused(endpoint: endpoint, reason: "checkpoints restore process state that no policy judged")
                }
                try judgeStart(container)
            case .containerUpdate(let container):
                try judgeUpdate(try Self.wholeBody(request, endpoint: endpoint), container: container)
            case .execCreate(let container):
                try judgeExecCreate(try Self.wholeBody(request, endpoint: endpoint), container: container)
            case .execStart(let exec):
                try judgeExecStart(exec)
            case .volumeCreate:
                try judgeVolume(try Self.wholeBody(request, endpoint: endpoint))
            }
        }
    }

    // MARK: - Bodies

    /// The body of a judged call, only when the plugin has all of it: the engine forwards JSON bodies under
    /// 1 MiB and sends nothing for larger ones (CVE-2026-34040), an empty or absent body (CVE-2024-41110),
    /// and a chunked one without a Content-Length to check it against.
    static func wholeBody(_ request: AuthZRequest, endpoint: String) throws(EnginePluginError) -> [UInt8] {
        guard let lengthText = request.header("Content-Length") else {
            throw .bodyMissing(
                endpoint: endpoint, reason: "the request has no Content-Length (a chunked or absent body), so securerun cannot tell it has the whole body")
        }
        guard !lengthText.isEmpty, lengthText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(lengthText) else {
            throw .bodyMissing(endpoint: endpoint, reason: "the Content-Length \"\(lengthText)\" is not a number")
        }
        guard length > 0 else { throw .bodyMissing(endpoint: endpoint, reason: "the request has an empty body") }
        guard length < AuthZProtocol.engineForwardingLimit else {
            throw .bodyMissing(
                endpoint: endpoint, reason: "the body is \(length) bytes, over the 1 MiB the engine forwards to authorization plugins (it forwards none of it)")
        }
        guard let body = request.RequestBody, !body.isEmpty else {
            throw .bodyMissing(endpoint: endpoint, reason: "the engine forwarded no body (it forwards only application/json bodies)")
        }
        guard body.count == length else {
            throw .bodyMissing(endpoint: endpoint, reason: "the engine forwarded \(body.count) of the \(length) bytes the request declares")
        }
        return Array(body)
    }

    // MARK: - Create and start

    func judgeCreate(_ sent: CreateBody) throws(EnginePluginError) {
        // securerun's own docker backend says what its create is (staged volumes, its holder, its labels);
        // the same rules judge it as that.
        let body = sent.ownClaim(stateRoot: stateRoot).map(sent.reading) ?? sent
        let configDigest = try EngineFacts.imageID(body.image, engine: engine)
        let stored = try configDigest.map { (digest) throws(EnginePluginError) in try storedImages(configDigest: digest) } ?? []
        let defaults = stored.first.map(Self.defaults) ?? ImageDefaults(cmd: ["/bin/sh"])
        let hardened: HardenedSpec
        do {
            hardened = try Policy.enforce(
                body.request, profile: profile, image: defaults, protectedHostPaths: [stateRoot.path], hostSecrets: hostSecrets, host: hostFacts)
        } catch {
            throw .policy(error)
        }
        // The engine restarts by itself, with no start call for this plugin to judge the image again.
        if let violation = Policy.engineRestartViolation(body.request, profile: profile) { throw .policy(.violation(violation)) }
        // Without CgroupnsMode the engine's own default applies: the host's namespace on cgroup v1 unless
        // dockerd runs with --default-cgroupns-mode private, which its /info reports as name=cgroupns.
        let privateByDefault = body.floor.cgroupnsMode.isEmpty ? try EngineFacts.defaultsToPrivateCgroupNamespace(engine: engine) : true
        try FloorCheck.check(body, profile: profile, hardened: hardened, cgroupnsPrivateByDefault: privateByDefault)
        guard let configDigest else {
            throw .imageNotAdmitted(
                image: body.image,
                reason:
                    "the engine has no such image; load it from securerun's store (securerun image save IMAGE --format docker-archive -o FILE; docker load -i FILE)"
            )
        }
        try admit(image: body.image, configDigest: configDigest, stored: stored)
    }

    func judgeStart(_ container: String) throws(EnginePluginError) {
        guard let facts = try EngineFacts.container(container, engine: engine) else {
            // The engine answers "no such container" itself.
            return
        }
        // The id the engine pinned at create, whatever the name now points at.
        let name = facts.Config?.Image ?? facts.Image
        try admit(image: name, configDigest: facts.Image, stored: try storedImages(configDigest: facts.Image))
    }

    /// Admitted when a manifest in securerun's store has this config (the engine's image id) and
    /// `ImageAdmission` admits it under the profile, as it does for `run`.
    func admit(image: String, configDigest: String, stored: [StoredImage]) throws(EnginePluginError) {
        guard !stored.isEmpty else {
            throw .imageNotAdmitted(
                image: image,
                reason:
                    "its id \(configDigest) is not the config of any image in securerun's store, so no attestation can cover it; import it with securerun image import and attest it"
            )
        }
        var reasons: [String] = []
        for candidate in stored {
            // The one admission decision every door makes (run, image verify, the drop-in, audit).
            do {
                let verdict = try ImageAdmission.decide(image: candidate, reference: image, profile: profile, stateRoot: stateRoot)
                if verdict.admitted { return }
                reasons.append("\(candidate.manifestDigest): " + verdict.reasons.joined(separator: "; "))
            } catch {
                reasons.append(error.description)
            }
        }
        throw .imageNotAdmitted(image: image, reason: "not admitted by profile \"\(profile.name)\": " + reasons.joined(separator: " | "))
    }

    func storedImages(configDigest: String) throws(EnginePluginError) -> [StoredImage] {
        do {
            return try ImageStore(root: stateRoot).list().filter { $0.configDigest == configDigest }
        } catch {
            throw .imageNotAdmitted(image: configDigest, reason: "securerun's image store cannot be read: \(error)")
        }
    }

    static func defaults(_ image: StoredImage) -> ImageDefaults {
        let config = image.config
        return ImageDefaults(
            user: config.User, env: config.Env ?? [], entrypoint: config.Entrypoint ?? [], cmd: config.Cmd ?? [], workingDir: config.WorkingDir)
    }

    // MARK: - Violations

    func violation(_ rule: PolicyViolation.Rule, _ typed: String, _ detail: String) -> EnginePluginError {
        .policy(.violation(PolicyViolation(rule: rule, origin: FlagOrigin(flag: typed, typed: typed, index: nil), profile: profile.name, detail: detail)))
    }
}
