import Yams

/// A compose service's security-relevant keys turned into the `docker run` flags they mean, each word
/// remembering the field it came from, so the same grammar and policy judge both and a finding points at
/// the compose key. Keys securerun does not judge (image, command, environment, …) are left out.
enum ComposeServices {
    /// One flag word and the field it stands for.
    struct Word {
        var text: String
        var field: String
    }

    /// The services of a compose file: each name with its words.
    static func services(_ root: Node) -> [(name: String, words: [Word])] {
        guard let services = root.at("services")?.mapping else { return [] }
        return services.compactMap { key, value in
            guard let name = key.string, value.mapping != nil else { return nil }
            return (name, words(value, path: "services.\(name)"))
        }
    }

    static func words(_ service: Node, path: String) -> [Word] {
        var result: [Word] = []
        func scalar(_ key: String, _ flag: String) {
            guard let node = service.at(key), let text = node.text else { return }
            result.append(Word(text: "\(flag)=\(text)", field: "\(path).\(key)"))
        }
        func list(_ key: String, _ flag: String) {
            if let text = service.at(key)?.text {
                result.append(Word(text: "\(flag)=\(text)", field: "\(path).\(key)"))
                return
            }
            for (offset, item) in (service.at(key)?.sequence.map(Array.init) ?? []).enumerated() {
                guard let text = item.text else { continue }
                result.append(Word(text: "\(flag)=\(text)", field: "\(path).\(key)[\(offset)]"))
            }
        }
        scalar("privileged", "--privileged")
        scalar("read_only", "--read-only")
        scalar("user", "--user")
        list("group_add", "--group-add")
        list("cap_add", "--cap-add")
        list("cap_drop", "--cap-drop")
        list("security_opt", "--security-opt")
        scalar("network_mode", "--network")
        // `networks:` as a list or a mapping of names: each is a `--network NAME` the profile must list.
        if let networks = service.at("networks") {
            let names = networks.mapping?.compactMap { key, _ in key.string } ?? networks.sequence?.compactMap(\.text) ?? []
            for name in names { result.append(Word(text: "--network=\(name)", field: "\(path).networks.\(name)")) }
        }
        scalar("pid", "--pid")
        scalar("ipc", "--ipc")
        scalar("uts", "--uts")
        scalar("userns_mode", "--userns")
        scalar("cgroup", "--cgroupns")
        scalar("cgroup_parent", "--cgroup-parent")
        list("devices", "--device")
        list("device_cgroup_rules", "--device-cgroup-rule")
        scalar("mem_limit", "--memory")
        scalar("memswap_limit", "--memory-swap")
        scalar("mem_reservation", "--memory-reservation")
        scalar("cpus", "--cpus")
        scalar("cpu_shares", "--cpu-shares")
        scalar("cpuset", "--cpuset-cpus")
        scalar("pids_limit", "--pids-limit")
        scalar("shm_size", "--shm-size")
        scalar("oom_kill_disable", "--oom-kill-disable")
        scalar("oom_score_adj", "--oom-score-adj")
        scalar("runtime", "--runtime")
        scalar("restart", "--restart")
        scalar("init", "--init")
        list("tmpfs", "--tmpfs")
        list("ports", "--publish")
        list("expose", "--expose")
        list("dns", "--dns")
        list("extra_hosts", "--add-host")
        list("links", "--link")
        list("volumes_from", "--volumes-from")
        scalar("cpu_quota", "--cpu-quota")
        scalar("cpu_period", "--cpu-period")
        scalar("cpu_rt_runtime", "--cpu-rt-runtime")
        scalar("cpu_rt_period", "--cpu-rt-period")
        scalar("cpu_count", "--cpu-count")
        scalar("cpu_percent", "--cpu-percent")
        scalar("mem_swappiness", "--memory-swappiness")
        scalar("platform", "--platform")
        scalar("isolation", "--isolation")
        scalar("blkio_config.weight", "--blkio-weight")
        // compose's `build` policy builds locally; docker run has no such value, so it reads as what it means: not a stored image.
        if let policy = service.at("pull_policy")?.text {
            result.append(Word(text: "--pull=\(policy == "build" ? "always" : policy)", field: "\(path).pull_policy"))
        }
        healthcheck(service, path: path, into: &result)
        if let driver = service.at("logging.driver")?.text {
            result.append(Word(text: "--log-driver=\(driver)", field: "\(path).logging.driver"))
        }
        for (key, value) in service.at("logging.options")?.mapping ?? [:] {
            guard let name = key.string else { continue }
            result.append(Word(text: "--log-opt=\(name)=\(value.text ?? "")", field: "\(path).logging.options.\(name)"))
        }
        for (key, value) in service.at("storage_opt")?.mapping ?? [:] {
            guard let name = key.string else { continue }
            result.append(Word(text: "--storage-opt=\(name)=\(value.text ?? "")", field: "\(path).storage_opt.\(name)"))
        }
        scalar("deploy.resources.limits.memory", "--memory")
        scalar("deploy.resources.limits.cpus", "--cpus")
        scalar("deploy.resources.limits.pids", "--pids-limit")
        scalar("deploy.resources.reservations.memory", "--memory-reservation")
        if let sysctls = service.at("sysctls") {
            if let mapping = sysctls.mapping {
                for (key, value) in mapping {
                    guard let name = key.string else { continue }
                    result.append(Word(text: "--sysctl=\(name)=\(value.text ?? "")", field: "\(path).sysctls.\(name)"))
                }
            } else {
                list("sysctls", "--sysctl")
            }
        }
        if let ulimits = service.at("ulimits")?.mapping {
            for (key, value) in ulimits {
                guard let name = key.string else { continue }
                let limit = value.text ?? "\(value.at("soft")?.text ?? ""):\(value.at("hard")?.text ?? "")"
                result.append(Word(text: "--ulimit=\(name)=\(limit)", field: "\(path).ulimits.\(name)"))
            }
        }
        for (offset, volume) in (service.at("volumes")?.sequence.map(Array.init) ?? []).enumerated() {
            let field = "\(path).volumes[\(offset)]"
            if let text = volume.text {
                result.append(Word(text: "--volume=\(text)", field: field))
            } else if volume.mapping != nil {
                var options = ["type=\(volume.at("type")?.text ?? "volume")"]
                if let source = volume.at("source")?.text { options.append("source=\(source)") }
                if let target = volume.at("target")?.text { options.append("target=\(target)") }
                if ["true", "yes"].contains(volume.at("read_only")?.text?.lowercased() ?? "") { options.append("readonly") }
                if let propagation = volume.at("bind.propagation")?.text { options.append("bind-propagation=\(propagation)") }
                if let size = volume.at("tmpfs.size")?.text { options.append("tmpfs-size=\(size)") }
                result.append(Word(text: "--mount=\(options.joined(separator: ","))", field: field))
            }
        }
        return result
    }

    /// `healthcheck:` as `docker run`'s health flags (compose sends the same HEALTHCHECK config): `test` as
    /// `--health-cmd` (`["NONE"]` and `disable: true` as `--no-healthcheck`), and its timings.
    static func healthcheck(_ service: Node, path: String, into result: inout [Word]) {
        guard let check = service.at("healthcheck"), check.mapping != nil else { return }
        let field = "\(path).healthcheck"
        if ["true", "yes"].contains(check.at("disable")?.text?.lowercased() ?? "") {
            result.append(Word(text: "--no-healthcheck", field: "\(field).disable"))
            return
        }
        if let test = check.at("test") {
            let words = test.text.map { [$0] } ?? (test.sequence.map(Array.init) ?? []).compactMap(\.text)
            if words.first == "NONE" {
                result.append(Word(text: "--no-healthcheck", field: "\(field).test"))
            } else if !words.isEmpty {
                let command = ["CMD", "CMD-SHELL"].contains(words[0]) ? words.dropFirst().joined(separator: " ") : words.joined(separator: " ")
                result.append(Word(text: "--health-cmd=\(command)", field: "\(field).test"))
            }
        }
        for (key, flag) in [
            ("interval", "--health-interval"), ("timeout", "--health-timeout"), ("retries", "--health-retries"),
            ("start_period", "--health-start-period"),
        ] {
            if let text = check.at(key)?.text { result.append(Word(text: "\(flag)=\(text)", field: "\(field).\(key)")) }
        }
    }
}
