/// What a caller asked for, in the vocabulary of `docker run`: every start path (securerun run,
/// securerun docker run) parses its flags into one of these, and only `Policy.enforce` reads it.
public struct RunRequest: Sendable, Equatable, Codable {
    /// The image reference as typed.
    public var image: String
    /// Command and arguments after the image; empty means the image's Cmd.
    public var command: [String] = []
    /// `--entrypoint`; nil means the image's Entrypoint.
    public var entrypoint: [String]?
    /// `--user uid[:gid]` (names are resolved against the image before enforcement).
    public var user: String?
    /// `--memory`.
    public var memory: String?
    /// `--memory-swap` (memory plus swap; -1 unlimited).
    public var memorySwap: String?
    /// `--cpus`.
    public var cpus: String?
    /// `--pids-limit`.
    public var pidsLimit: String?
    /// `--tmpfs PATH[:OPTIONS]`.
    public var tmpfs: [String] = []
    /// `-e/--env KEY=VALUE` (or `KEY` to copy from securerun's environment, resolved by the parser).
    public var env: [String] = []
    /// `-w/--workdir`.
    public var workdir: String?
    /// `-v/--volume HOST:CTR[:ro|rw]`.
    public var volumes: [String] = []
    /// `--name`.
    public var name: String?
    /// `--rm`.
    public var remove = false
    /// `-i/--interactive`: the caller's stdin reaches the container (otherwise it gets /dev/null).
    public var interactive = false
    /// `-t/--tty`: the process gets a terminal of its own.
    public var tty = false
    /// `-d/--detach`: start it and return its id; a monitor process looks after it.
    public var detach = false
    /// `--init`: a minimal init runs as PID 1, forwards signals and reaps zombies.
    public var initProcess = false
    /// `--cap-add`.
    public var capAdd: [String] = []
    /// `--cap-drop`.
    public var capDrop: [String] = []
    /// `--read-only=false` (or `--no-read-only`) sets this to false.
    public var readOnly: Bool?
    /// `--privileged`.
    public var privileged = false
    /// `--security-opt` values (`seccomp=FILE`, `no-new-privileges`, …).
    public var securityOptions: [String] = []
    /// `--network` (`none` or `private`; only as tight as the profile's or tighter).
    public var network: String?
    /// `--egress-rate` (lower than the profile's only).
    public var egressRate: String?
    /// `--ingress-rate` (lower than the profile's only).
    public var ingressRate: String?
    /// `-p/--publish [HOST_IP:]HOST_PORT:CTR_PORT[/tcp|udp]`.
    public var publish: [String] = []
    /// `--hostname`.
    public var hostname: String?

    public init(image: String) {
        self.image = image
    }
}

/// The parts of an image's config that shape how its container starts.
public struct ImageDefaults: Sendable, Equatable {
    public var user: String?
    public var env: [String]
    public var entrypoint: [String]
    public var cmd: [String]
    public var workingDir: String?

    public init(user: String? = nil, env: [String] = [], entrypoint: [String] = [], cmd: [String] = [], workingDir: String? = nil) {
        self.user = user
        self.env = env
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.workingDir = workingDir
    }
}
