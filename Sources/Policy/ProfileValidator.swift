import Admission
import Capabilities
import Foundation
import Images
import Seccomp

/// Turns a decoded profile document into a `Profile`, refusing anything below securerun's floor.
struct ProfileValidator {
    let document: ProfileDocument
    let file: URL
    let fallbackName: String
    var seccompCache: SeccompCache? = nil

    var path: String { file.path }
    var directory: URL { file.deletingLastPathComponent() }

    func validate() throws(PolicyError) -> Profile {
        if document.readOnlyRootfs == false {
            throw .invalidField(path: path, field: "readOnlyRootfs", reason: "must be true: a writable root filesystem is below securerun's floor")
        }
        if document.noNewPrivileges == false {
            throw .invalidField(
                path: path, field: "noNewPrivileges", reason: "must be true: privilege escalation through setuid binaries is below securerun's floor")
        }
        let user = try validateUser()
        let capabilities = try validateCapabilities()
        let (seccompPath, seccomp) = try validateSeccomp(capabilities: capabilities)
        let resources = document.resources
        let memory = try size(resources?.memory, field: "resources.memory", default: ByteSize(bytes: 512 << 20))
        let memorySwap = try size(resources?.memorySwap, field: "resources.memorySwap", default: memory)
        if memorySwap < memory {
            throw .invalidField(
                path: path, field: "resources.memorySwap", reason: "\(memorySwap) is below resources.memory \(memory); memorySwap counts memory plus swap")
        }
        if memory.bytes < 6 << 20 {
            throw .invalidField(path: path, field: "resources.memory", reason: "\(memory) is below the 6m minimum a container needs to start")
        }
        let cpus = resources?.cpus ?? 1.0
        guard cpus > 0, cpus <= 1024, cpus.isFinite else {
            throw .invalidField(path: path, field: "resources.cpus", reason: "must be a number of CPUs above 0, such as 0.5 or 2")
        }
        let pids = resources?.pidsLimit ?? 256
        guard pids > 0 else {
            throw .invalidField(path: path, field: "resources.pidsLimit", reason: "must be a positive number; unlimited tasks is below securerun's floor")
        }
        let network = try validateNetwork()
        let userNamespace = try validateUserNamespace()
        let restarts = try validateRestart()
        let registries = (document.allowedRegistries ?? []).map { $0.lowercased() }
        return Profile(
            name: document.name ?? fallbackName,
            source: file,
            user: user,
            capabilities: capabilities,
            seccompPath: seccompPath,
            seccomp: seccomp,
            memory: memory,
            memorySwap: memorySwap,
            cpus: cpus,
            pidsLimit: pids,
            tmpfs: try validateTmpfs(),
            extraTmpfs: try validateExtraTmpfs(memory: memory),
            maskedPaths: try absolutePaths(document.maskedPaths, field: "maskedPaths", default: Self.defaultMaskedPaths),
            readonlyPaths: try absolutePaths(document.readonlyPaths, field: "readonlyPaths", default: Self.defaultReadonlyPaths),
            network: network,
            allowWritableVolumes: document.volumes?.allowWritable ?? false,
            volumeIDs: VolumeIDs(
                uids: try VolumeIDs.parseRanges(document.volumes?.allowedUids, field: "volumes.allowedUids", path: path),
                gids: try VolumeIDs.parseRanges(document.volumes?.allowedGids, field: "volumes.allowedGids", path: path)),
            allowedRegistries: registries,
            unpackLimits: try validateStore(),
            admission: (document.admission ?? AdmissionPolicy.default).resolvingPaths(relativeTo: directory),
            userNamespace: userNamespace,
            logMaxSize: try validateLogs(),
            rlimits: try validateRlimits(),
            allowMemfdExec: document.allowMemfdExec ?? false,
            allowedRestarts: restarts
        )
    }

    // MARK: - Fields

    func validateRestart() throws(PolicyError) -> Set<RestartKind> {
        var allowed: Set<RestartKind> = []
        for text in document.restart?.allowed ?? [] {
            guard let kind = RestartKind(rawValue: text) else {
                throw .invalidField(path: path, field: "restart.allowed", reason: "\"\(text)\" is not one of on-failure, unless-stopped, always")
            }
            allowed.insert(kind)
        }
        return allowed
    }

    func validateUserNamespace() throws(PolicyError) -> UserNamespaceMode {
        guard let text = document.userNamespace else { return .preferred }
        guard let mode = UserNamespaceMode(rawValue: text) else {
            throw .invalidField(path: path, field: "userNamespace", reason: "\"\(text)\" is not one of required, preferred, off")
        }
        return mode
    }

    /// `rlimits:`: each a known name with `SOFT[:HARD]`; the names it leaves out keep securerun's defaults.
    func validateRlimits() throws(PolicyError) -> [Ulimit] {
        guard let entries = document.rlimits else { return Profile.defaultRlimits }
        var chosen = Dictionary(Profile.defaultRlimits.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        for (name, value) in entries.sorted(by: { $0.key < $1.key }) {
            guard let known = UlimitName(rawValue: name) else {
                throw .invalidField(
                    path: path, field: "rlimits.\(name)", reason: "unknown limit (known: \(UlimitName.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            switch Ulimit.parse(name: known, value: value.text) {
            case .success(let limit): chosen[known] = limit
            case .failure(let problem): throw .invalidField(path: path, field: "rlimits.\(name)", reason: "\"\(value.text)\": \(problem)")
            }
        }
        return UlimitName.allCases.compactMap { chosen[$0] }
    }

    /// `logs.maxSize`: from 64k (a few lines of each part) to 1g.
    func validateLogs() throws(PolicyError) -> ByteSize {
        let size = try size(document.logs?.maxSize, field: "logs.maxSize", default: Profile.defaultLogMaxSize)
        guard size.bytes >= 64 << 10, size.bytes <= 1 << 30 else {
            throw .invalidField(path: path, field: "logs.maxSize", reason: "\(size) must be from 64k to 1g (the log keeps two parts of half each)")
        }
        return size
    }

    func validateUser() throws(PolicyError) -> UserID {
        let text = document.user ?? "65534:65534"
        guard let user = UserID(parsing: text) else {
            throw .invalidField(path: path, field: "user", reason: "\"\(text)\" is not uid[:gid] in numbers, such as 65534:65534")
        }
        if user.isRoot {
            throw .invalidField(path: path, field: "user", reason: "\"\(text)\" is root; profiles run containers as a non-root uid and gid")
        }
        return user
    }

    func validateCapabilities() throws(PolicyError) -> Set<Capability> {
        var result = Set<Capability>()
        for (index, name) in (document.capabilities ?? []).enumerated() {
            do {
                result.insert(try Capability(parsing: name))
            } catch {
                throw .invalidField(path: path, field: "capabilities[\(index)]", reason: error.description)
            }
        }
        return result
    }

    func validateSeccomp(capabilities: Set<Capability>) throws(PolicyError) -> (URL, LinuxSeccomp) {
        let text = document.seccomp ?? "seccomp/default.json"
        if ["unconfined", ""].contains(text.lowercased()) {
            throw .invalidField(
                path: path, field: "seccomp", reason: "\"\(text)\" disables seccomp, which is below securerun's floor; name a seccomp profile file")
        }
        // A path is relative to this profile file; a bare name (`default`) is a shipped seccomp profile, so a
        // profile copied anywhere can still use it.
        var seccompFile = text.hasPrefix("/") ? URL(fileURLWithPath: text) : directory.appendingPathComponent(text)
        if !text.contains("/"), !text.hasSuffix(".json"), !FileManager.default.fileExists(atPath: seccompFile.path) {
            guard let shipped = ProfileLoader.shippedSeccomp(named: text) else {
                throw .invalidField(
                    path: path, field: "seccomp",
                    reason: "\"\(text)\" is neither a file next to the profile nor a shipped seccomp profile (shipped: default); give a path or a shipped name")
            }
            seccompFile = shipped
        }
        if !FileManager.default.fileExists(atPath: seccompFile.path) {
            // Most often a shipped profile copied elsewhere: its `seccomp/default.json` stayed behind.
            let name = URL(fileURLWithPath: text).deletingPathExtension().lastPathComponent
            let shippedName = ProfileLoader.shippedSeccomp(named: name) != nil ? name : "default"
            throw .invalidField(
                path: path, field: "seccomp",
                reason:
                    "no file \(seccompFile.path) (a relative seccomp path is read next to the profile); write 'seccomp: \(shippedName)' to use the shipped filter, or give the file's absolute path"
            )
        }
        let file = seccompFile
        let resolve = { () throws(SeccompError) -> LinuxSeccomp in
            let profile = try SeccompProfile.load(contentsOf: file.path)
            // Compiling is left to the start path (SeccompCheck), which caches it: profiles load on every run.
            return try profile.resolve(capabilities: capabilities, source: file.path)
        }
        do {
            if let seccompCache { return (file, try seccompCache.resolved(file.path, capabilities: capabilities, resolve)) }
            return (file, try resolve())
        } catch {
            throw .invalidField(path: path, field: "seccomp", reason: error.description)
        }
    }

    func validateTmpfs() throws(PolicyError) -> [TmpfsMount] {
        guard let entries = document.tmpfs else {
            return [TmpfsMount(path: "/tmp", size: ByteSize(bytes: 64 << 20))]
        }
        var mounts: [TmpfsMount] = []
        for (index, entry) in entries.enumerated() {
            let field = "tmpfs[\(index)]"
            guard entry.path.hasPrefix("/"), entry.path != "/" else {
                throw .invalidField(path: path, field: "\(field).path", reason: "\"\(entry.path)\" must be an absolute path other than /")
            }
            let size = try size(entry.size, field: "\(field).size", default: ByteSize(bytes: 64 << 20))
            var mode: UInt32 = 0o1777
            if let text = entry.mode {
                guard let parsed = UInt32(text, radix: 8), parsed <= 0o7777 else {
                    throw .invalidField(path: path, field: "\(field).mode", reason: "\"\(text)\" is not an octal mode such as 1777")
                }
                mode = parsed
            }
            mounts.append(TmpfsMount(path: entry.path, size: size, exec: entry.exec ?? false, mode: mode))
        }
        return mounts
    }

    func validateStore() throws(PolicyError) -> UnpackLimits {
        let store = document.store
        let fallback = UnpackLimits.default
        let bytes = try size(store?.maxUnpackedSize, field: "store.maxUnpackedSize", default: ByteSize(bytes: fallback.maxImageBytes))
        let allowance = try size(store?.expansionAllowance, field: "store.expansionAllowance", default: ByteSize(bytes: fallback.expansionAllowance))
        let files = store?.maxFiles ?? fallback.maxEntries
        guard files > 0 else {
            throw .invalidField(path: path, field: "store.maxFiles", reason: "must be a positive number of files, such as 500000")
        }
        let ratio = store?.maxExpansionRatio ?? fallback.maxExpansionRatio
        guard ratio >= 1 else {
            throw .invalidField(path: path, field: "store.maxExpansionRatio", reason: "must be a number of times, 1 or more, such as 100")
        }
        return UnpackLimits(maxImageBytes: bytes.bytes, maxEntries: files, maxExpansionRatio: ratio, expansionAllowance: allowance.bytes)
    }

    func validateExtraTmpfs(memory: ByteSize) throws(PolicyError) -> ExtraTmpfs {
        guard let entry = document.extraTmpfs, entry.allow == true else { return .forbidden }
        let maxSize = try size(entry.maxSize, field: "extraTmpfs.maxSize", default: ByteSize(bytes: 64 << 20))
        if maxSize > memory {
            throw .invalidField(
                path: path, field: "extraTmpfs.maxSize", reason: "\(maxSize) is above resources.memory \(memory); tmpfs pages count against the memory limit")
        }
        let count = entry.maxMounts ?? 8
        guard (1...64).contains(count) else {
            throw .invalidField(path: path, field: "extraTmpfs.maxMounts", reason: "must be a number from 1 to 64")
        }
        return ExtraTmpfs(allowed: true, maxSize: maxSize, maxMounts: count)
    }

    func size(_ text: String?, field: String, default fallback: ByteSize) throws(PolicyError) -> ByteSize {
        guard let text else { return fallback }
        guard let size = ByteSize(parsing: text), size.bytes > 0 else {
            throw .invalidField(path: path, field: field, reason: "\"\(text)\" is not a size such as 512m or 1g")
        }
        return size
    }

    func absolutePaths(_ values: [String]?, field: String, default fallback: [String]) throws(PolicyError) -> [String] {
        guard let values else { return fallback }
        for (index, value) in values.enumerated() where !value.hasPrefix("/") {
            throw .invalidField(path: path, field: "\(field)[\(index)]", reason: "\"\(value)\" must be an absolute path")
        }
        // The floor: a profile may add masked or read-only paths, never drop docker's.
        return Array(Set(values).union(fallback)).sorted()
    }

    /// Docker's masked paths (moby `oci/defaults.go`).
    static let defaultMaskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap",
        "/sys/firmware",
    ]

    /// Docker's read-only paths.
    static let defaultReadonlyPaths = [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ]
}
