import Foundation
import Policy

extension CreateBody {
    /// The claim securerun's own docker backend wrote for this create, if it is one: the body's
    /// `securerun.id` label names the container, the query's name the engine container, the claim (in
    /// securerun's root-only state root) must name the same, and the body must carry the claim's
    /// one-time token (a client racing securerun with the same name and id has never seen it).
    func ownClaim(stateRoot: URL) -> EngineClaim? {
        guard let id = request.labels.last(where: { $0.value.key == "securerun.id" })?.value.value, let name = request.name?.value,
            let claim = EngineClaim.read(stateRoot: stateRoot, id: id, name: name),
            // The one-time token only securerun's own create carries.
            request.labels.contains(where: { $0.value.key == EngineClaim.tokenLabel && $0.value.value == claim.token })
        else { return nil }
        return claim
    }

    /// The body as what the claim says it is, judged by the same rules as any other: securerun's own
    /// labels (the values claimed, nothing else under `securerun.`) are not the caller's; a read-only bind of
    /// one of securerun's own files for the container is not a volume; a bind of a staging path is a bind of the host path staged there (same destination and mode); and joining the
    /// claimed holder is securerun's private network (allowed only where the profile's network is private),
    /// which brings no engine network of its own (the holder was created with network none).
    func reading(_ claim: EngineClaim) -> CreateBody {
        var body = self
        body.request.labels.removeAll { claim.labels[$0.value.key] == $0.value.value }
        body.request.mounts.removeAll {
            guard case .bind(let bind) = $0.value else { return false }
            return bind.readOnly && claim.ownFiles.contains(bind.source)
        }
        let sources = Dictionary(claim.staged.map { ($0.staged, $0.source) }, uniquingKeysWith: { first, _ in first })
        for index in body.request.mounts.indices {
            guard case .bind(var bind) = body.request.mounts[index].value, let source = sources[bind.source] else { continue }
            bind.source = source
            body.request.mounts[index].value = .bind(bind)
        }
        if let holder = claim.holder, floor.networkMode == "container:\(holder)", let origin = request.network?.origin {
            body.request.network = Flagged(NetworkRequest(name: "private"), origin)
            body.floor.networkMode = "none"
        }
        return body
    }
}
