import ArgumentParser
import Foundation
import Orchestration
import Policy

/// `securerun run`: start a hardened container in the foreground.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command in a new hardened container.",
        discussion: """
            The profile's floor (non-root user, read-only root, no capabilities, no-new-privileges, seccomp, \
            memory, CPU and pids limits) always applies; flags may only tighten it. The image must have a \
            signed, passing scan attestation the profile trusts. Exit status is the container's, or 125 when \
            securerun refuses or fails.
            """
    )

    @OptionGroup var options: RunOptions

    @Argument(help: "The image (name[:tag], name@sha256:…, or a digest).")
    var image: String

    @Argument(parsing: .captureForPassthrough, help: "Command and arguments (default: the image's Entrypoint and Cmd).")
    var command: [String] = []

    func run() async throws {
        let request = options.request(image: image, command: command)
        let status = try await reportingErrors {
            try ContainerStart(
                request: request, profileName: options.profile, runtime: options.runtime,
                dryRun: options.dryRun, stateRoot: try securedStateRoot(), notice: { printError($0) }
            ).run()
        }
        throw ExitCode(status)
    }
}

/// The `docker run` flags securerun understands; the same group serves `securerun docker run`.
struct RunOptions: ParsableArguments {
    @Option(help: "Hardening profile: a name (default, production, service, or one in /etc/securerun/profiles) or a path.")
    var profile: String?

    @Option(help: "OCI runtime: runc or crun.")
    var runtime: String = "runc"

    @Option(name: [.short, .long], help: "uid[:gid] or name[:group] to run as (never root).")
    var user: String?

    @Option(name: [.short, .long], parsing: .unconditional, help: "Memory limit (at most the profile's), e.g. 256m.")
    var memory: String?

    @Option(name: .customLong("memory-swap"), parsing: .unconditional, help: "Memory plus swap (at most the profile's).")
    var memorySwap: String?

    @Option(parsing: .unconditional, help: "CPU quota in CPUs (at most the profile's).")
    var cpus: String?

    @Option(name: .customLong("pids-limit"), parsing: .unconditional, help: "Maximum tasks (at most the profile's).")
    var pidsLimit: String?

    @Option(help: "Tighten a profile tmpfs mount: PATH[:size=N,mode=M].")
    var tmpfs: [String] = []

    @Option(name: [.short, .customLong("env")], help: "Set KEY=VALUE (or pass KEY through).")
    var env: [String] = []

    @Option(name: [.short, .customLong("workdir")], help: "Working directory inside the container.")
    var workdir: String?

    @Option(name: [.short, .customLong("volume")], help: "Bind mount HOST:CTR[:ro|rw] (read-only unless the profile allows rw).")
    var volume: [String] = []

    @Option(help: "Container name.")
    var name: String?

    @Option(help: "Container hostname.")
    var hostname: String?

    @Option(help: "Override the image's entrypoint.")
    var entrypoint: String?

    @Option(name: .customLong("cap-add"), help: "Keep a capability from the profile's allow-list.")
    var capAdd: [String] = []

    @Option(name: .customLong("cap-drop"), help: "Drop a capability (ALL drops every one).")
    var capDrop: [String] = []

    @Option(name: .customLong("security-opt"), help: "seccomp=FILE (a stricter profile) or no-new-privileges.")
    var securityOpt: [String] = []

    @Option(help: "Network mode: none, or private where the profile gives private networking (never looser than the profile).")
    var network: String?

    @Option(name: .customLong("egress-rate"), help: "Cap on traffic out of the container, such as 5mbit (at most the profile's).")
    var egressRate: String?

    @Option(name: .customLong("ingress-rate"), help: "Cap on traffic into the container, such as 5mbit (at most the profile's).")
    var ingressRate: String?

    @Option(name: [.short, .customLong("publish")], help: "Publish [HOST_IP:]HOST_PORT:CTR_PORT[/tcp|udp] where the profile allows it.")
    var publish: [String] = []

    @Flag(inversion: .prefixedNo, help: "Read-only root filesystem (always on; --no-read-only is refused).")
    var readOnly: Bool?

    @Flag(help: "Refused: privileged containers bypass every protection.")
    var privileged = false

    @Flag(help: "Remove the container when it exits (always done for foreground containers).")
    var rm = false

    @Flag(name: [.short, .long], help: "Keep stdin open: the caller's stdin reaches the container (otherwise it reads /dev/null).")
    var interactive = false

    @Flag(name: [.short, .long], help: "Give the process a terminal of its own (the caller's terminal is relayed, never handed over).")
    var tty = false

    @Flag(name: [.short, .long], help: "Run in the background and print the container's id; a monitor keeps its log.")
    var detach = false

    @Flag(help: "Run a minimal init (tini) as PID 1 that forwards signals and reaps zombies.")
    var `init` = false

    @Flag(name: .customLong("dry-run"), help: "Print the OCI config.json that would run; start nothing.")
    var dryRun = false

    /// The request these flags describe.
    func request(image: String, command: [String]) -> RunRequest {
        var request = RunRequest(image: image)
        request.command = command
        request.user = user
        request.memory = memory
        request.memorySwap = memorySwap
        request.cpus = cpus
        request.pidsLimit = pidsLimit
        request.tmpfs = tmpfs
        request.env = Self.expandEnvironment(env)
        request.workdir = workdir
        request.volumes = volume
        request.name = name
        request.hostname = hostname
        request.entrypoint = entrypoint.map { [$0] }
        request.capAdd = capAdd
        request.capDrop = capDrop
        request.securityOptions = securityOpt
        request.network = network
        request.egressRate = egressRate
        request.ingressRate = ingressRate
        request.publish = publish
        request.readOnly = readOnly
        request.privileged = privileged
        request.remove = rm
        request.interactive = interactive
        request.tty = tty
        request.detach = detach
        request.initProcess = `init`
        return request
    }

    /// docker's `-e KEY` copies KEY from the caller's environment, and drops it when unset.
    static func expandEnvironment(_ values: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        values.compactMap { value in
            if value.contains("=") { return value }
            return environment[value].map { "\(value)=\($0)" }
        }
    }
}
