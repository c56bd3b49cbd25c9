import Policy

/// Turns flag occurrences, in order, into a ``RunRequest``: single-valued flags keep the last value (as
/// docker does), repeatable ones add up; env and label files come before `-e` and `-l`, which override them.
struct RequestBuilder {
    let context: ParseContext
    let mode: GrammarMode
    var request = RunRequest(image: "")
    var fileEnv: [Flagged<String>] = []
    var flagEnv: [Flagged<String>] = []
    var fileLabels: [Flagged<Label>] = []
    var flagLabels: [Flagged<Label>] = []
    var attach: [(String, FlagOrigin)] = []
    var profile: Flagged<String>?
    var runtime: Flagged<String>?
    var dryRun = false
    var helpRequested = false
    /// Bytes read from env and label files so far: together they are bounded too, because they end up in the
    /// container's record and its process's environment (execve refuses an environment that large anyway).
    var fileBytes = 0
    static let maxFileBytes = 1 << 20

    init(context: ParseContext, mode: GrammarMode) {
        self.context = context
        self.mode = mode
    }

    mutating func apply(_ occurrence: FlagOccurrence) throws(DockerCompatError) {
        let origin = occurrence.origin
        let raw = occurrence.value
        func value() -> String { raw ?? "" }
        func parse<T>(_ body: () throws(ValueError) -> T) throws(DockerCompatError) -> T {
            do {
                return try body()
            } catch {
                throw .invalidValue(origin, reason: error.reason)
            }
        }
        func flagged<T>(_ body: () throws(ValueError) -> T) throws(DockerCompatError) -> Flagged<T> {
            Flagged(try parse(body), origin)
        }
        func bool() throws(DockerCompatError) -> Flagged<Bool> { try flagged { () throws(ValueError) in try ValueParsers.boolean(raw) } }
        func unsupported(_ reason: String) { request.unsupported.append(Flagged(reason, origin)) }
        // docker's checks: the CLI refuses a negative duration, the engine one under a millisecond.
        func healthDuration() throws(DockerCompatError) -> Flagged<Int64> {
            let nanoseconds = try parse { () throws(ValueError) in try ValueParsers.duration(value()) }
            if nanoseconds < 0 { throw .invalidValue(origin, reason: "--\(occurrence.flag.long) cannot be negative") }
            if nanoseconds > 0 && nanoseconds < 1_000_000 { throw .invalidValue(origin, reason: "--\(occurrence.flag.long) cannot be less than 1ms") }
            return Flagged(nanoseconds, origin)
        }
        func unsupportedUnlessFalse(_ reason: String) throws(DockerCompatError) {
            if try bool().value { unsupported(reason) }
        }

        switch occurrence.flag.id {
        // securerun's own
        case .profile: profile = Flagged(ProfileLoader.absolute(value(), workingDirectory: context.workingDirectory), origin)
        case .securerunRuntime: runtime = Flagged(value(), origin)
        case .dryRun: dryRun = try bool().value
        case .egressRate: request.egressRate = try flagged { () throws(ValueError) in try NetworkParsers.rate(value()) }
        case .ingressRate: request.ingressRate = try flagged { () throws(ValueError) in try NetworkParsers.rate(value()) }
        case .help: helpRequested = try bool().value

        // lifecycle
        case .detach: request.detach = try bool()
        case .interactive: request.interactive = try bool()
        case .tty: request.tty = try bool()
        case .rm: request.remove = try bool()
        case .initProcess: request.initProcess = try bool()
        case .name: request.name = Flagged(value(), origin)
        case .restart: request.restart = try flagged { () throws(ValueError) in try ValueParsers.restart(value()) }
        case .pull: request.pull = try flagged { () throws(ValueError) in try ValueParsers.pull(value()) }
        case .platform: request.platform = Flagged(value(), origin)
        case .stopSignal: request.stopSignal = try flagged { () throws(ValueError) in try ValueParsers.signal(value()) }
        case .stopTimeout:
            let seconds = try parse { () throws(ValueError) in try ValueParsers.integer(value()) }
            guard (-1...Int64(Int32.max)).contains(seconds) else { throw .invalidValue(origin, reason: "give seconds from 0, or -1 to wait forever") }
            request.stopTimeout = Flagged(Int(seconds), origin)
        case .quiet:
            // Honoured as it is: securerun prints no pull output.
            _ = try bool()
        case .noHealthcheck: request.noHealthcheck = try bool()
        case .sigProxy:
            if try !bool().value { unsupported("securerun always forwards signals to the container; leave --sig-proxy out") }
        case .disableContentTrust:
            if try !bool().value {
                unsupported("securerun does not verify Notary content trust; its admission checks a signed scan attestation of the image's digest instead")
            }
        case .detachKeys: unsupported("securerun's terminal relay has no detach keys; start the container with -d to run it in the background")
        case .cidfile: unsupported("securerun does not write id files; -d prints the container's id, so save that (securerun run -d … > FILE)")
        case .attach:
            let stream = value().lowercased()
            guard ["stdin", "stdout", "stderr"].contains(stream) else {
                throw .invalidValue(origin, reason: "valid streams are STDIN, STDOUT and STDERR")
            }
            attach.append((stream, origin))
        case .isolation:
            if !["", "default"].contains(value().lowercased()) { unsupported("isolation \(value()) is for Windows containers; Linux has only default") }

        // process
        case .entrypoint: request.entrypoint = Flagged(value().isEmpty ? [] : [value()], origin)
        case .env:
            if let entry = try parse({ () throws(ValueError) in try ValueParsers.environment(value(), lookup: context.environment) }) {
                flagEnv.append(Flagged(entry, origin))
            }
        case .envFile:
            for entry in try readKeyValueFile(origin: origin, path: value(), lookup: context.environment) {
                fileEnv.append(Flagged(entry.text, withLine(origin, entry.line)))
            }
        case .workdir: request.workdir = Flagged(value(), origin)
        case .user: request.user = try flagged { () throws(ValueError) in try ValueParsers.user(value()) }
        case .groupAdd:
            guard !value().isEmpty else { throw .invalidValue(origin, reason: "a group name or id is required") }
            request.groupAdd.append(Flagged(value(), origin))
        case .hostname: request.hostname = Flagged(value(), origin)
        case .domainname: request.domainname = Flagged(value(), origin)
        case .label: flagLabels.append(try flagged { () throws(ValueError) in try ValueParsers.label(value()) })
        case .labelFile:
            for entry in try readKeyValueFile(origin: origin, path: value(), lookup: nil) {
                let label = try parse { () throws(ValueError) in try ValueParsers.label(entry.text) }
                fileLabels.append(Flagged(label, withLine(origin, entry.line)))
            }

        // privileges
        case .privileged: request.privileged = try bool()
        case .readOnly: request.readOnly = try bool()
        case .capAdd: request.capAdd.append(try flagged { () throws(ValueError) in try ValueParsers.capability(value()) })
        case .capDrop: request.capDrop.append(try flagged { () throws(ValueError) in try ValueParsers.capability(value()) })
        case .securityOpt:
            var option = try flagged { () throws(ValueError) in try ValueParsers.securityOption(value()) }
            // Read later (in a detached container's monitor, from /): the file the caller meant, now.
            if case .seccompFile(let path) = option.value, !path.hasPrefix("/") {
                option.value = .seccompFile(context.workingDirectory + "/" + path)
            }
            request.securityOptions.append(option)
        case .pid: try namespace(.pid, value(), origin)
        case .ipc: try namespace(.ipc, value(), origin)
        case .uts: try namespace(.uts, value(), origin)
        case .userns: try namespace(.userns, value(), origin)
        case .cgroupns: try namespace(.cgroupns, value(), origin)
        case .device: request.devices.append(try flagged { () throws(ValueError) in try ValueParsers.device(value()) })
        case .deviceCgroupRule: request.devices.append(try flagged { () throws(ValueError) in try ValueParsers.cgroupRule(value()) })
        case .gpus: request.devices.append(Flagged(.gpus(value()), origin))
        case .sysctl: request.sysctls.append(try flagged { () throws(ValueError) in try ValueParsers.sysctl(value()) })
        case .oomKillDisable: request.oomKillDisable = try bool()
        case .oomScoreAdj:
            let score = try parse { () throws(ValueError) in try ValueParsers.integer(value()) }
            guard (-1000...1000).contains(score) else { throw .invalidValue(origin, reason: "the range for oom score adj is [-1000, 1000]") }
            request.oomScoreAdj = Flagged(Int(score), origin)
        case .cgroupParent: request.cgroupParent = Flagged(value(), origin)
        case .useAPISocket: request.useAPISocket = try bool()
        case .volumesFrom: request.volumesFrom.append(Flagged(value(), origin))
        case .runtime: request.runtimeOverrides.append(Flagged(.runtime(value()), origin))
        case .annotation:
            let parts = value().split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw .invalidValue(origin, reason: "expected KEY=VALUE") }
            request.runtimeOverrides.append(Flagged(.annotation(key: parts[0], value: parts[1]), origin))

        // resources
        case .memory: request.memory = try flagged { () throws(ValueError) in try ValueParsers.size(value()) }
        case .memorySwap:
            if value() == "-1" {
                request.memorySwap = Flagged(.unlimited, origin)
            } else {
                let size = try parse { () throws(ValueError) in try ValueParsers.size(value()) }
                // docker: 0 is the same as not setting it.
                request.memorySwap = size.bytes == 0 ? nil : Flagged(.limit(size), origin)
            }
        case .memoryReservation: request.memoryReservation = try flagged { () throws(ValueError) in try ValueParsers.size(value()) }
        case .memorySwappiness:
            let swappiness = try parse { () throws(ValueError) in try ValueParsers.integer(value()) }
            guard swappiness == -1 || (0...100).contains(swappiness) else {
                throw .invalidValue(origin, reason: "invalid value: \(swappiness); valid memory swappiness range is 0-100")
            }
            request.memorySwappiness = swappiness == -1 ? nil : Flagged(Int(swappiness), origin)
        case .shmSize: request.shmSize = try flagged { () throws(ValueError) in try ValueParsers.size(value()) }
        case .kernelMemory:
            _ = try parse { () throws(ValueError) in try ValueParsers.size(value()) }
            unsupported(
                "kernel memory limits are no longer supported by the kernel (docker ignores the flag with a warning); remove it, --memory covers kernel memory")
        case .cpus: request.nanoCPUs = try flagged { () throws(ValueError) in try ValueParsers.nanoCPUs(value()) }
        case .cpuQuota: request.cpuQuota = try flagged { () throws(ValueError) in try ValueParsers.integer(value()) }
        case .cpuPeriod: request.cpuPeriod = try flagged { () throws(ValueError) in try ValueParsers.integer(value()) }
        case .cpuShares: request.cpuShares = try flagged { () throws(ValueError) in try ValueParsers.integer(value()) }
        case .cpuRTPeriod, .cpuRTRuntime: request.realtimeCPU.append(try flagged { () throws(ValueError) in try ValueParsers.integer(value()) })
        case .cpusetCPUs: request.cpusetCPUs = try flagged { () throws(ValueError) in try ValueParsers.cpuSet(value()) }
        case .cpusetMems: request.cpusetMems = try flagged { () throws(ValueError) in try ValueParsers.cpuSet(value()) }
        case .pidsLimit: request.pidsLimit = try flagged { () throws(ValueError) in try ValueParsers.integer(value()) }
        case .ulimit: request.ulimits.append(try flagged { () throws(ValueError) in try ValueParsers.ulimit(value()) })
        case .cpuCount, .cpuPercent, .ioMaxBandwidth, .ioMaxIOps:
            unsupported("\(origin.flag) applies to Windows containers only")
        case .blkioWeight, .blkioWeightDevice, .deviceReadBps, .deviceReadIOps, .deviceWriteBps, .deviceWriteIOps:
            unsupported("securerun does not set block I/O limits yet")

        // files
        case .volume:
            request.mounts.append(try flagged { () throws(ValueError) in try MountParsers.volume(value(), workingDirectory: context.workingDirectory) })
        case .mount:
            request.mounts.append(try flagged { () throws(ValueError) in try MountParsers.mount(value(), workingDirectory: context.workingDirectory) })
        case .tmpfs: request.tmpfs.append(try flagged { () throws(ValueError) in try MountParsers.tmpfs(value()) })
        case .volumeDriver: unsupported("named volumes are not supported, so there is no volume driver to choose; mount host directories with -v")
        case .storageOpt: unsupported("the root filesystem is read-only, so there is no storage to size; write to a --tmpfs mount or a volume")
        case .logDriver, .logOpt:
            unsupported("securerun keeps each container's output in its own log ('securerun logs'); log drivers are not supported yet")
        case .healthCmd: request.healthCmd = Flagged(value(), origin)
        case .healthInterval: request.healthInterval = try healthDuration()
        case .healthTimeout: request.healthTimeout = try healthDuration()
        case .healthStartPeriod: request.healthStartPeriod = try healthDuration()
        case .healthRetries:
            let retries = try parse { () throws(ValueError) in try ValueParsers.integer(value()) }
            guard (0...Int64(Int32.max)).contains(retries) else { throw .invalidValue(origin, reason: "--health-retries cannot be negative") }
            request.healthRetries = Flagged(Int(retries), origin)
        case .healthOnFailure:
            guard let action = HealthFailureAction(rawValue: value()) else {
                throw .invalidValue(origin, reason: "give none, stop or restart")
            }
            request.healthOnFailure = Flagged(action, origin)
        case .healthStartInterval:
            unsupported("securerun probes at --health-interval during the start period too; leave --health-start-interval out")

        // network
        case .network:
            let network = try flagged { () throws(ValueError) in try NetworkParsers.network(value()) }
            // Several --network flags attach several networks; the first that is not none decides the refusal.
            if request.network == nil || request.network?.value.name == "none" { request.network = network }
        case .publish: request.ports.append(try flagged { () throws(ValueError) in try NetworkParsers.port(value()) })
        case .publishAll: if try bool().value { request.networkSettings.append(Flagged(.publishAll, origin)) }
        case .expose: request.networkSettings.append(Flagged(.expose(value()), origin))
        case .dns: request.networkSettings.append(Flagged(.dns(value()), origin))
        case .dnsOption: request.networkSettings.append(Flagged(.dnsOption(value()), origin))
        case .dnsSearch: request.networkSettings.append(Flagged(.dnsSearch(value()), origin))
        case .addHost:
            guard value().contains(":") || value().contains("=") else {
                throw .invalidValue(origin, reason: "bad format for add-host: expected HOST:IP or HOST=IP")
            }
            request.networkSettings.append(Flagged(.addHost(value()), origin))
        case .link: request.networkSettings.append(Flagged(.link(value()), origin))
        case .ip: request.networkSettings.append(Flagged(.ip(value()), origin))
        case .ip6: request.networkSettings.append(Flagged(.ip6(value()), origin))
        case .macAddress: request.networkSettings.append(Flagged(.macAddress(value()), origin))
        case .networkAlias: request.networkSettings.append(Flagged(.alias(value()), origin))
        case .linkLocalIP: request.networkSettings.append(Flagged(.linkLocalIP(value()), origin))
        }
        _ = mode
    }

    mutating func namespace(_ kind: NamespaceKind, _ text: String, _ origin: FlagOrigin) throws(DockerCompatError) {
        request.namespaces.removeAll { $0.value.kind == kind }
        // The empty value is docker's default: a namespace of the container's own.
        guard !text.isEmpty else { return }
        do {
            request.namespaces.append(Flagged(NamespaceRequest(kind: kind, mode: try ValueParsers.namespace(kind, text)), origin))
        } catch {
            throw .invalidValue(origin, reason: error.reason)
        }
    }

    func withLine(_ origin: FlagOrigin, _ line: Int) -> FlagOrigin {
        var copy = origin
        copy.line = line
        return copy
    }

    mutating func readKeyValueFile(origin: FlagOrigin, path: String, lookup: [String: String]?) throws(DockerCompatError) -> [KeyValueFile.Entry] {
        guard !path.isEmpty else { throw .invalidValue(origin, reason: "a file name is required") }
        let full = MountParsers.absolute(path, context.workingDirectory)
        let bytes: [UInt8]
        do {
            bytes = try context.files.contents(of: full)
        } catch {
            throw .invalidValue(origin, reason: "cannot read \(path): \(error.reason)")
        }
        fileBytes += bytes.count
        guard fileBytes <= Self.maxFileBytes else {
            throw .invalidValue(origin, reason: "env and label files together are over 1 MiB; a container's environment is a few kilobytes")
        }
        do {
            return try KeyValueFile.parse(bytes, lookup: lookup)
        } catch {
            throw .invalidValue(origin, reason: "\(path): \(error.reason)")
        }
    }

    /// Checks what needs every flag at once, and returns the request.
    mutating func finish() throws(DockerCompatError) -> RunRequest {
        request.env = fileEnv + flagEnv
        request.labels = fileLabels + flagLabels
        if !attach.isEmpty {
            let wanted = Set(attach.map(\.0))
            let attached: Set<String> = request.keepsStdinOpen ? ["stdin", "stdout", "stderr"] : ["stdout", "stderr"]
            if wanted != attached, let origin = attach.first?.1 {
                request.unsupported.append(
                    Flagged("securerun attaches stdout and stderr (and stdin with -i) and cannot leave one out; redirect the output instead", origin))
            }
        }
        if let restart = request.restart, restart.value != .no, request.removesOnExit {
            throw .invalidValue(restart.origin, reason: "conflicting options: cannot specify both --restart and --rm")
        }
        return request
    }
}
