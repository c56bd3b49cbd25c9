/// The refusals that need nothing but the request and the profile: privileged mode, a writable root, the
/// host's namespaces, devices, engine sockets, cgroup and OOM escapes, sysctls, networking, security options
/// that switch confinement off, restart policies the profile does not allow, and flags securerun cannot honour yet. `Policy.enforce` throws the first;
/// lint reports them all, each at the flag's position.
enum RequestRules {
    static func violations(_ request: RunRequest, network: NetworkProfile, restarts: Set<RestartKind>, judge: Judge, host: () -> HostFacts) -> [PolicyViolation]
    {
        var found: [PolicyViolation] = []
        func refuse(_ rule: PolicyViolation.Rule, _ origin: FlagOrigin, _ detail: String) {
            found.append(judge.violation(rule, origin, detail))
        }
        if let privileged = request.privileged, privileged.value {
            refuse(
                .privileged, privileged.origin,
                "privileged containers get every capability, every host device and no seccomp filter; add the one capability the program needs with --cap-add (within the profile's allow-list)"
            )
        }
        if let readOnly = request.readOnly, !readOnly.value {
            refuse(.readOnlyRootfs, readOnly.origin, "the root filesystem is read-only; write to a --tmpfs mount or a volume instead")
        }
        for entry in request.namespaces {
            if let reason = namespaceRefusal(entry.value) { refuse(.hostNamespaces, entry.origin, reason) }
        }
        for entry in request.devices {
            refuse(.hostDevices, entry.origin, deviceRefusal(entry.value))
        }
        if let disable = request.oomKillDisable, disable.value {
            refuse(
                .oomProtection, disable.origin,
                "a container the OOM killer may not kill makes the kernel kill host processes instead; the memory limit already keeps it small")
        }
        if let score = request.oomScoreAdj, score.value < 0 {
            refuse(
                .oomProtection, score.origin,
                "a negative OOM score makes the kernel kill host processes before the container; only values from 0 to 1000 (more likely to be killed) are allowed"
            )
        }
        for entry in request.sysctls {
            if let reason = SysctlRules.refusal(entry.value.key) { refuse(.sysctls, entry.origin, reason) }
        }
        if let parent = request.cgroupParent {
            refuse(
                .cgroupParent, parent.origin,
                "containers live in securerun's own cgroup (/securerun/…), where their limits are set; another parent could place them under limits of its own or outside securerun's"
            )
        }
        if let socket = request.useAPISocket, socket.value {
            refuse(
                .engineSocket, socket.origin,
                "it mounts the Docker API socket and your registry credentials into the container, which gives it root on the host through the engine; build or push from the host instead"
            )
        }
        for entry in request.volumesFrom {
            refuse(
                .volumesFrom, entry.origin,
                "it mounts whatever another container has mounted, which this request's policy check never sees; name each host directory with -v instead")
        }
        for entry in request.runtimeOverrides {
            switch entry.value {
            case .runtime:
                refuse(
                    .runtimeOverrides, entry.origin,
                    "docker's --runtime picks an engine runtime securerun did not configure (it may apply no seccomp or namespaces); securerun chooses the runtime from the profile and --runtime runc|crun of securerun run"
                )
            case .annotation:
                refuse(
                    .runtimeOverrides, entry.origin,
                    "annotations reach the OCI runtime unread, and some change how it builds the container (crun's run.oci.* keeps groups or skips checks); remove it"
                )
            }
        }
        found += NetworkRequests.evaluate(request, network: network, judge: judge).problems.compactMap { problem in
            if case .violation(let violation) = problem { return violation }
            return nil
        }
        for entry in request.securityOptions {
            if let (rule, reason) = securityOptionRefusal(entry.value) { refuse(rule, entry.origin, reason) }
        }
        if let violation = RestartRules.violation(request, allowed: restarts, judge: judge) { found.append(violation) }
        if let pull = request.pull, pull.value == .always {
            refuse(
                .notSupported, pull.origin,
                "securerun runs images from its own store only, where their attestations are checked; pull first with 'securerun image pull' (which fetches the attestations too)"
            )
        }
        if let platform = request.platform {
            let own = host().platform
            let asked = platform.value.lowercased()
            if asked != own && !asked.hasPrefix(own + "/") {
                refuse(.notSupported, platform.origin, "securerun runs images for this host's platform (\(own)) only")
            }
        }
        for entry in request.unsupported {
            refuse(.notSupported, entry.origin, entry.value)
        }
        return found
    }

    static func namespaceRefusal(_ request: NamespaceRequest) -> String? {
        let kind = request.kind
        switch request.mode {
        case .own, .none:
            return nil
        case .shareable:
            return "a shareable IPC namespace lets other containers join it and read its shared memory; containers get an IPC namespace of their own"
        case .container(let name):
            return
                "joining container \(name)'s \(kind.rawValue) namespace lets each container reach the other's \(what(kind)), around both policies; containers get namespaces of their own"
        case .host:
            switch kind {
            case .pid: return "the host's PID namespace shows every host process to the container and lets it signal those of its uid"
            case .ipc: return "the host's IPC namespace shares the host's System V shared memory, semaphores and message queues"
            case .uts: return "the host's UTS namespace is the host's hostname; containers get their own (set it with -h)"
            case .userns:
                return
                    "it opts out of user namespaces; securerun runs without remapping today and will give each container a user namespace of its own, so remove the flag"
            case .cgroupns: return "the host's cgroup namespace shows the host's whole cgroup tree to the container"
            }
        }
    }

    static func what(_ kind: NamespaceKind) -> String {
        switch kind {
        case .pid: return "processes"
        case .ipc: return "shared memory"
        case .uts: return "hostname"
        case .userns: return "user ids"
        case .cgroupns: return "cgroups"
        }
    }

    static func deviceRefusal(_ request: DeviceRequest) -> String {
        switch request {
        case .device(let host, _, _):
            return
                "\(host) is a host device: the container would read or write the host's hardware directly; containers get no devices but /dev/null, zero, full, random, urandom and tty"
        case .cdi(let name):
            return "\(name) is a host device (CDI) with whatever mounts and hooks its vendor specified; containers get no host devices"
        case .gpus:
            return "GPUs are host devices handed over with their driver's libraries and hooks; containers get no host devices"
        case .cgroupRule(let rule):
            return "the device cgroup rule '\(rule)' lets the container open host device nodes; containers get no host devices"
        }
    }

    static func securityOptionRefusal(_ option: SecurityOption) -> (PolicyViolation.Rule, String)? {
        switch option {
        case .noNewPrivileges(let on):
            return on ? nil : (.noNewPrivileges, "no-new-privileges is always set, so setuid binaries cannot raise privileges")
        case .seccompUnconfined:
            return (.seccomp, "every container runs under a seccomp filter; name a stricter profile file with seccomp=FILE if you need one")
        case .seccompBuiltin, .seccompFile:
            return nil
        case .systemPathsUnconfined:
            return (.securityOptions, "masked and read-only /proc and /sys paths stay masked and read-only")
        case .apparmor(let profile):
            if profile.lowercased() == "unconfined" { return (.securityOptions, "mandatory access control is never switched off") }
            return (
                .notSupported,
                "securerun does not load AppArmor profiles yet; the container is confined by its seccomp filter, capabilities and namespaces; remove the option"
            )
        case .labelDisable:
            return (.securityOptions, "mandatory access control is never switched off")
        case .label:
            return (.notSupported, "securerun does not set SELinux labels yet; remove the option")
        case .writableCgroups(let on):
            return on ? (.securityOptions, "the cgroup filesystem stays read-only, so the container cannot change its own limits") : nil
        }
    }
}

/// `--sysctl`: only those that live in the container's own IPC namespace (docker's list) and the network
/// ones Kubernetes counts as safe (the container's network namespace is its own, but once it has a network,
/// routing and filtering sysctls would change what its traffic may do).
enum SysctlRules {
    static let ipc: Set<String> = [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
        "kernel.shm_rmid_forced",
    ]
    static let network: Set<String> = [
        "net.ipv4.ip_local_port_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ]

    /// Why `key` may not be set, or nil.
    static func refusal(_ key: String) -> String? {
        if ipc.contains(key) || (key.hasPrefix("fs.mqueue.") && key.count > "fs.mqueue.".count) || network.contains(key) { return nil }
        if key.hasPrefix("net.") {
            return
                "\(key) is not among the safe network sysctls (\(network.sorted().joined(separator: ", "))): routing and filtering settings are the host's to decide"
        }
        return
            "\(key) is not namespaced to the container (or not among the IPC ones: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*), so it would change the host"
    }
}
