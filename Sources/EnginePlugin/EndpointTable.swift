/// What the plugin does with each Engine API endpoint: reads (`GET`, `HEAD`) are allowed at once; every
/// other method must match a row here, and a call matching none is refused. The README's "Enforcing on the
/// engine" prints this table.
public enum EndpointTable {
    /// A judged endpoint: the plugin reads its body or asks the engine before deciding.
    public enum Judged: Sendable, Equatable {
        /// `POST /containers/create`: the body is the container's whole configuration.
        case containerCreate
        /// `POST /containers/{id}/start` and `/restart`: the image the container is pinned to, admitted now.
        case containerStart(container: String)
        /// `POST /containers/{id}/update`: limits may only go down; no restart policy.
        case containerUpdate(container: String)
        /// `POST /containers/{id}/exec`: never root, never privileged.
        case execCreate(container: String)
        /// `POST /exec/{id}/start`: the exec as the engine holds it, judged again.
        case execStart(exec: String)
        /// `POST /volumes/create`: no driver options that mount a host path.
        case volumeCreate
    }

    /// What happens to a call.
    public enum Decision: Sendable, Equatable {
        case allow
        case judge(Judged)
        case refuse(String)
        /// A method other than GET or HEAD on a path no row matches.
        case unknown
    }

    /// One row: a method, a path pattern (`{id}` is one segment, `{name*}` one or more), and what is done.
    public struct Row: Sendable {
        public var method: String
        public var pattern: String
        public var action: Action
        /// Why, in a few words (the README's table).
        public var why: String

        /// The decision before the path's values are filled in.
        public enum Action: Sendable {
            case allow
            case judge
            case refuse(String)
        }
    }

    static let buildRefusal =
        "builds run their steps in containers the engine starts without a create call, as root with the engine's defaults, so no policy sees them; build elsewhere and import the result with securerun image import, then attest it"
    static let swarmRefusal =
        "swarm services, secrets and configs make containers through the orchestrator, never through containers/create, so no policy sees them"
    static let pluginRefusal = "engine plugins run as root with whatever privileges they ask for; install them on the host, not through the API"

    /// The rows, in the order they are matched.
    public static let rows: [Row] = [
        Row(method: "POST", pattern: "/containers/create", action: .judge, why: "the body, strictly decoded, judged by the profile; the image admitted"),
        Row(method: "POST", pattern: "/containers/{id}/start", action: .judge, why: "the image id the container is pinned to, admitted now"),
        Row(method: "POST", pattern: "/containers/{id}/restart", action: .judge, why: "as start"),
        Row(method: "POST", pattern: "/containers/{id}/update", action: .judge, why: "limits only lowered; no restart policy"),
        Row(method: "POST", pattern: "/containers/{id}/exec", action: .judge, why: "numeric non-root uid:gid (or the container's own), not privileged"),
        Row(method: "POST", pattern: "/exec/{id}/start", action: .judge, why: "the exec as the engine holds it, judged again"),
        Row(method: "POST", pattern: "/volumes/create", action: .judge, why: "local driver only; no options that bind a host path"),
        Row(
            method: "PUT", pattern: "/containers/{id}/archive",
            action: .refuse(
                "files are not copied into containers from outside: the root filesystem is read-only and what a container reads comes from its image or a read-only volume; put the files in the image or a volume"
            ), why: "writes into a container from outside"),
        Row(
            method: "POST", pattern: "/containers/{id}/checkpoints",
            action: .refuse("checkpoints restore process state that no policy judged; stop and start the container instead"), why: "unjudged state"),
        Row(
            method: "POST", pattern: "/networks/{id}/connect",
            action: .refuse(
                "containers get network none; connecting one to a network gives it interfaces and reachability the profile never allowed [SR012 network-mode]"
            ), why: "SR012"),
        Row(
            method: "POST", pattern: "/networks/create",
            action: .refuse(
                "containers get network none and may not be connected to networks [SR012 network-mode]; an engine network would only change the host's interfaces and firewall"
            ), why: "SR012"),
        Row(
            method: "POST", pattern: "/commit",
            action: .refuse(
                "an image committed in the engine has no attestation and could never run here; build images outside, import and attest them with securerun"),
            why: "unattested images"),
        Row(method: "POST", pattern: "/build", action: .refuse(buildRefusal), why: "build steps run unjudged"),
        Row(method: "POST", pattern: "/session", action: .refuse(buildRefusal), why: "BuildKit session"),
        Row(method: "POST", pattern: "/grpc", action: .refuse(buildRefusal), why: "BuildKit"),
        Row(method: "POST", pattern: "/build/prune", action: .allow, why: "removes cache"),
        Row(method: "POST", pattern: "/build/cancel", action: .allow, why: "stops a build"),
        Row(method: "POST", pattern: "/plugins/{name*}", action: .refuse(pluginRefusal), why: "root code"),
        Row(method: "DELETE", pattern: "/plugins/{name*}", action: .refuse(pluginRefusal), why: "could remove another authorization plugin"),
        Row(method: "POST", pattern: "/swarm/{name*}", action: .refuse(swarmRefusal), why: "orchestrated containers"),
        Row(method: "POST", pattern: "/services/{name*}", action: .refuse(swarmRefusal), why: "orchestrated containers"),
        Row(method: "POST", pattern: "/nodes/{name*}", action: .refuse(swarmRefusal), why: "orchestrated containers"),
        Row(method: "POST", pattern: "/secrets/{name*}", action: .refuse(swarmRefusal), why: "orchestrated containers"),
        Row(method: "POST", pattern: "/configs/{name*}", action: .refuse(swarmRefusal), why: "orchestrated containers"),
        Row(method: "DELETE", pattern: "/services/{id}", action: .allow, why: "removal"),
        Row(method: "DELETE", pattern: "/secrets/{id}", action: .allow, why: "removal"),
        Row(method: "DELETE", pattern: "/configs/{id}", action: .allow, why: "removal"),
        Row(method: "DELETE", pattern: "/nodes/{id}", action: .allow, why: "removal"),
        Row(method: "POST", pattern: "/containers/{id}/stop", action: .allow, why: "lifecycle"),
        Row(method: "POST", pattern: "/containers/{id}/kill", action: .allow, why: "lifecycle"),
        Row(method: "POST", pattern: "/containers/{id}/pause", action: .allow, why: "lifecycle"),
        Row(method: "POST", pattern: "/containers/{id}/unpause", action: .allow, why: "lifecycle"),
        Row(method: "POST", pattern: "/containers/{id}/wait", action: .allow, why: "lifecycle"),
        Row(method: "POST", pattern: "/containers/{id}/resize", action: .allow, why: "terminal size"),
        Row(method: "POST", pattern: "/containers/{id}/attach", action: .allow, why: "the container's own stdio"),
        Row(method: "POST", pattern: "/containers/{id}/rename", action: .allow, why: "a name"),
        Row(method: "DELETE", pattern: "/containers/{id}", action: .allow, why: "removal"),
        Row(method: "POST", pattern: "/containers/prune", action: .allow, why: "removal"),
        Row(method: "POST", pattern: "/exec/{id}/resize", action: .allow, why: "terminal size"),
        Row(
            method: "POST", pattern: "/images/create", action: .allow,
            why: "a pulled or imported image runs only if its id is an admitted manifest's config in securerun's store"),
        Row(method: "POST", pattern: "/images/load", action: .allow, why: "as images/create: ids are admitted, names never"),
        Row(method: "POST", pattern: "/images/{name*}/tag", action: .allow, why: "names are never admitted, ids are"),
        Row(method: "POST", pattern: "/images/{name*}/push", action: .allow, why: "reads an image"),
        Row(method: "DELETE", pattern: "/images/{name*}", action: .allow, why: "removal"),
        Row(method: "POST", pattern: "/images/prune", action: .allow, why: "removal"),
        Row(method: "POST", pattern: "/auth", action: .allow, why: "checks registry credentials (the engine never forwards their body)"),
        Row(method: "DELETE", pattern: "/volumes/{name}", action: .allow, why: "removal"),
        Row(method: "POST", pattern: "/volumes/prune", action: .allow, why: "removal"),
        Row(method: "DELETE", pattern: "/networks/{id}", action: .allow, why: "removal"),
        Row(method: "POST", pattern: "/networks/{id}/disconnect", action: .allow, why: "takes reachability away"),
        Row(method: "POST", pattern: "/networks/prune", action: .allow, why: "removal"),
    ]

    /// The decision for `route`: reads allowed, table rows matched in order, anything else refused.
    public static func decide(_ route: APIRoute) -> Decision {
        if route.method == "GET" || route.method == "HEAD" { return .allow }
        for row in rows where row.method == route.method {
            guard let values = match(row.pattern, route.segments) else { continue }
            switch row.action {
            case .allow: return .allow
            case .refuse(let reason): return .refuse(reason)
            case .judge:
                let id = values.first ?? ""
                switch row.pattern {
                case "/containers/create": return .judge(.containerCreate)
                case "/containers/{id}/start", "/containers/{id}/restart": return .judge(.containerStart(container: id))
                case "/containers/{id}/update": return .judge(.containerUpdate(container: id))
                case "/containers/{id}/exec": return .judge(.execCreate(container: id))
                case "/exec/{id}/start": return .judge(.execStart(exec: id))
                default: return .judge(.volumeCreate)
                }
            }
        }
        return .unknown
    }

    /// The values of a pattern's placeholders, or nil when `segments` do not match it.
    static func match(_ pattern: String, _ segments: [String]) -> [String]? {
        let parts = pattern.split(separator: "/").map(String.init)
        var values: [String] = []
        var index = 0
        for (position, part) in parts.enumerated() {
            if part.hasSuffix("*}") {
                // One or more segments, as many as leave room for the parts after it.
                let after = parts.count - position - 1
                let take = segments.count - index - after
                guard take >= 1 else { return nil }
                values.append(segments[index..<(index + take)].joined(separator: "/"))
                index += take
                continue
            }
            guard index < segments.count else { return nil }
            if part.hasPrefix("{") {
                values.append(segments[index])
            } else if part != segments[index] {
                return nil
            }
            index += 1
        }
        return index == segments.count ? values : nil
    }
}
