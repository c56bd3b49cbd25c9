import Capabilities
import Policy
import StrictJSON

/// Reads a Pod object into ``PodReading``: the security context merged as the kubelet merges it (a
/// container's field over the pod's), the pod's namespaces, volumes and resources turned into the request
/// `securerun run` would make for the same container. Unknown fields in the spec are refused (``PodObject``).
public enum PodReader {
    /// Reads `node` (a Pod; `path` is where it sits in the document, `request.object`).
    public static func read(_ node: JSONNode, path: String) throws(KubernetesAdmissionError) -> PodReading {
        let pod = try PodObject(node, path: path, known: nil)
        if let kind = try pod.string("kind"), kind != "Pod" {
            throw .invalidField(field: pod.field("kind"), reason: "expected a Pod, found \(kind)")
        }
        if let version = try pod.string("apiVersion"), version != "v1" {
            throw .invalidField(field: pod.field("apiVersion"), reason: "expected v1, found \(version)")
        }
        let metadata = try pod.object("metadata", known: nil)
        let namespace = try metadata?.string("namespace") ?? ""
        let given = try metadata?.string("name")
        let generated = try metadata?.string("generateName")
        let name = given ?? generated ?? ""
        guard let spec = try pod.object("spec", known: PodFields.spec) else {
            throw .invalidField(field: pod.field("spec"), reason: "a pod has a spec")
        }
        var annotations: [String: String] = [:]
        for member in try metadata?.map("annotations") ?? [] {
            if case .string(let value) = member.value.value { annotations[member.key] = value }
        }
        let context = try PodContext(spec: spec, annotations: annotations)
        var containers: [PodContainer] = []
        for kind in PodContainer.Kind.allCases {
            let known = kind == .ephemeralContainer ? PodFields.ephemeralContainer : PodFields.container
            for (index, container) in try spec.objects(kind.rawValue, known: known).enumerated() {
                var reader = ContainerReader(context: context, object: container, kind: kind, index: index)
                containers.append(try reader.read())
            }
        }
        guard containers.contains(where: { $0.kind == .container }) else {
            throw .invalidField(field: spec.field("containers"), reason: "a pod has at least one container")
        }
        return PodReading(namespace: namespace, name: name, containers: containers)
    }
}

/// What the pod spec says for all of its containers: its security context, namespaces and volumes.
struct PodContext {
    let spec: PodObject
    let security: PodObject?
    let volumes: [String: (object: PodObject, path: String)]
    /// `metadata.annotations` (string values only).
    let annotations: [String: String]

    init(spec: PodObject, annotations: [String: String] = [:]) throws(KubernetesAdmissionError) {
        self.spec = spec
        self.annotations = annotations
        security = try spec.object("securityContext", known: PodFields.podSecurityContext)
        var volumes: [String: (PodObject, String)] = [:]
        for volume in try spec.objects("volumes", known: PodFields.volume) {
            guard let name = try volume.string("name"), !name.isEmpty else {
                throw .invalidField(field: volume.field("name"), reason: "a volume has a name")
            }
            guard volumes[name] == nil else { throw .invalidField(field: volume.field("name"), reason: "two volumes are named \(name)") }
            volumes[name] = (volume, volume.path)
        }
        self.volumes = volumes
    }
}

/// Fills one ``PodContainer``.
struct ContainerReader {
    let context: PodContext
    let object: PodObject
    let kind: PodContainer.Kind
    let index: Int
    var request = RunRequest(image: "")
    var user: Flagged<String>?
    var readonlyRootfs = false
    var dropsAll = false
    var noNewPrivileges: Bool?
    var memory: Int64 = 0
    var nanoCPUs: Int64 = 0
    var unsizedTmpfs: [FlagOrigin] = []

    init(context: PodContext, object: PodObject, kind: PodContainer.Kind, index: Int) {
        self.context = context
        self.object = object
        self.kind = kind
        self.index = index
    }

    mutating func read() throws(KubernetesAdmissionError) -> PodContainer {
        guard let name = try object.string("name"), !name.isEmpty else { throw .invalidField(field: object.field("name"), reason: "a container has a name") }
        guard let image = try object.string("image"), !image.isEmpty else {
            throw .invalidField(field: object.field("image"), reason: "a container names its image")
        }
        request.image = image
        request.name = Flagged(name, .pod(object.field("name"), name))
        if let command = try object.strings("command") { request.entrypoint = Flagged(command, .pod(object.field("command"), nil)) }
        if let args = try object.strings("args") { request.command = args }
        let security = try object.object("securityContext", known: PodFields.securityContext)
        try readUser(security)
        try readPrivileges(security)
        let (seccomp, seccompOrigin) = try readSeccomp(security)
        try readNamespaces()
        try readResources()
        try readMounts()
        try readPorts()
        let floor = EngineFloor(
            user: user, readonlyRootfs: readonlyRootfs, dropsAllCapabilities: dropsAll, noNewPrivileges: noNewPrivileges,
            seccomp: .engineDefault, memory: memory, memorySwap: memory, nanoCPUs: nanoCPUs, cpuQuota: 0,
            // No pod field sets these: the kubelet's podPidsLimit bounds tasks, the pod network with the
            // NetworkPolicy `securerun export kubernetes` writes stands for the profile's network, and the
            // kubelet gives each container a cgroup namespace of its own on cgroup v2. The export lists them
            // as what the cluster provides; the webhook cannot see the cluster's settings.
            pidsLimit: 1, networkMode: "none", endpoints: [], unsizedTmpfs: unsizedTmpfs, maskedPaths: nil, readonlyPaths: nil,
            cgroupnsMode: "private")
        return PodContainer(
            kind: kind, index: index, name: name, image: image, path: object.path, request: request, floor: floor, seccomp: seccomp,
            seccompOrigin: seccompOrigin)
    }

    // MARK: - Security context

    /// The container's field, else the pod's, with the path it came from.
    func merged<Value>(
        _ security: PodObject?, _ key: String, _ read: (PodObject, String) throws(KubernetesAdmissionError) -> Value?
    ) throws(KubernetesAdmissionError) -> (Value, String)? {
        if let security, let value = try read(security, key) { return (value, security.field(key)) }
        if let pod = context.security, let value = try read(pod, key) { return (value, pod.field(key)) }
        return nil
    }

    static func id(_ value: Int64, field: String) throws(KubernetesAdmissionError) -> UInt32 {
        guard let id = UInt32(exactly: value) else { throw .invalidField(field: field, reason: "\(value) is not a uid or gid (0 to 4294967295)") }
        return id
    }

    mutating func readUser(_ security: PodObject?) throws(KubernetesAdmissionError) {
        let uid = try merged(security, "runAsUser") { o, k throws(KubernetesAdmissionError) in try o.int64(k) }
        let gid = try merged(security, "runAsGroup") { o, k throws(KubernetesAdmissionError) in try o.int64(k) }
        if let (value, path) = uid {
            let number = try Self.id(value, field: path)
            let group = try gid.map { (value, path) throws(KubernetesAdmissionError) in String(try Self.id(value, field: path)) }
            let origin = FlagOrigin.pod(path, "\(number)")
            request.user = Flagged(UserSpec(user: String(number), group: group), origin)
            user = Flagged(group.map { "\(number):\($0)" } ?? "\(number)", origin)
        } else if let (value, path) = gid {
            // A group without a user: the image's user runs, in this group.
            request.groupAdd.append(Flagged(String(try Self.id(value, field: path)), .pod(path, "\(value)")))
        }
        // runAsNonRoot: false asks the kubelet not to check; the uid itself is what the rule judges. True
        // without a uid leaves the image's user, which the floor refuses as unset.
        if let (nonRoot, path) = try merged(security, "runAsNonRoot", { o, k throws(KubernetesAdmissionError) in try o.bool(k) }), !nonRoot,
            request.user == nil
        {
            user = nil
            request.user = Flagged(UserSpec(user: "root"), .pod(path, "false"))
        }
        if let pod = context.security {
            for (position, group) in (try pod.integers("supplementalGroups") ?? []).enumerated() {
                let field = "\(pod.field("supplementalGroups"))[\(position)]"
                request.groupAdd.append(Flagged(String(try Self.id(group, field: field)), .pod(field, "\(group)")))
            }
            // fsGroup joins every container to the group and chowns volumes to it.
            if let group = try pod.int64("fsGroup") {
                request.groupAdd.append(Flagged(String(try Self.id(group, field: pod.field("fsGroup"))), .pod(pod.field("fsGroup"), "\(group)")))
            }
            for sysctl in try pod.objects("sysctls", known: PodFields.sysctl) {
                let key = try sysctl.string("name") ?? ""
                let value = try sysctl.string("value") ?? ""
                request.sysctls.append(Flagged(Sysctl(key: key, value: value), .pod(sysctl.path, "\(key)=\(value)")))
            }
        }
    }

    mutating func readPrivileges(_ security: PodObject?) throws(KubernetesAdmissionError) {
        try seLinux(security)
        guard let security else { return }
        if let privileged = try security.bool("privileged") {
            request.privileged = Flagged(privileged, .pod(security.field("privileged"), "\(privileged)"))
        }
        if let readOnly = try security.bool("readOnlyRootFilesystem") {
            readonlyRootfs = readOnly
            request.readOnly = Flagged(readOnly, .pod(security.field("readOnlyRootFilesystem"), "\(readOnly)"))
        }
        if let capabilities = try security.object("capabilities", known: PodFields.capabilities) {
            for (position, name) in (try capabilities.strings("add") ?? []).enumerated() {
                let field = "\(capabilities.field("add"))[\(position)]"
                request.capAdd.append(Flagged(try Self.capability(name, field: field), .pod(field, name)))
            }
            for (position, name) in (try capabilities.strings("drop") ?? []).enumerated() {
                let field = "\(capabilities.field("drop"))[\(position)]"
                let parsed = try Self.capability(name, field: field)
                if parsed == .all { dropsAll = true }
                request.capDrop.append(Flagged(parsed, .pod(field, name)))
            }
        }
        if let escalation = try security.bool("allowPrivilegeEscalation") {
            // The kubelet sets no_new_privs exactly when this is false.
            noNewPrivileges = !escalation
            request.securityOptions.append(Flagged(.noNewPrivileges(!escalation), .pod(security.field("allowPrivilegeEscalation"), "\(escalation)")))
        }
        switch try security.string("procMount") {
        case nil, "Default": break
        case "Unmasked":
            request.securityOptions.append(Flagged(.systemPathsUnconfined, .pod(security.field("procMount"), "Unmasked")))
        case let other?:
            throw .invalidField(field: security.field("procMount"), reason: "\"\(other)\" is not Default or Unmasked")
        }
    }

    /// SELinux options and AppArmor profiles, container over pod, as the security options docker takes.
    mutating func seLinux(_ security: PodObject?) throws(KubernetesAdmissionError) {
        // The AppArmor annotation kubelets before 1.30 read (newer API servers copy it into the field).
        let annotation = "container.apparmor.security.beta.kubernetes.io/\(try object.string("name") ?? "")"
        if let value = context.annotations[annotation], value != "runtime/default" {
            request.securityOptions.append(Flagged(.apparmor(value), .pod("metadata.annotations.\(annotation)", value)))
        }
        if let (options, _) = try merged(
            security, "seLinuxOptions", { o, k throws(KubernetesAdmissionError) in try o.object(k, known: ["user", "role", "type", "level"]) })
        {
            for key in ["user", "role", "type", "level"] {
                if let value = try options.string(key), !value.isEmpty {
                    request.securityOptions.append(Flagged(.label("\(key):\(value)"), .pod(options.field(key), value)))
                }
            }
        }
        if let (profile, _) = try merged(
            security, "appArmorProfile", { o, k throws(KubernetesAdmissionError) in try o.object(k, known: PodFields.appArmorProfile) })
        {
            switch try profile.string("type") {
            case "RuntimeDefault": break
            case "Unconfined": request.securityOptions.append(Flagged(.apparmor("unconfined"), .pod(profile.field("type"), "Unconfined")))
            case "Localhost":
                let name = try profile.string("localhostProfile") ?? ""
                request.securityOptions.append(Flagged(.apparmor(name), .pod(profile.field("localhostProfile"), name)))
            case let other:
                throw .invalidField(field: profile.field("type"), reason: "\"\(other ?? "")\" is not RuntimeDefault, Unconfined or Localhost")
            }
        }
    }

    mutating func readSeccomp(_ security: PodObject?) throws(KubernetesAdmissionError) -> (PodContainer.Seccomp, FlagOrigin) {
        guard
            let (profile, path) = try merged(
                security, "seccompProfile", { o, k throws(KubernetesAdmissionError) in try o.object(k, known: PodFields.seccompProfile) })
        else {
            return (.unset, .pod("\(object.field("securityContext")).seccompProfile", "unset"))
        }
        switch try profile.string("type") {
        case "RuntimeDefault":
            return (.runtimeDefault, .pod(profile.field("type"), "RuntimeDefault"))
        case "Unconfined":
            let origin = FlagOrigin.pod(profile.field("type"), "Unconfined")
            request.securityOptions.append(Flagged(.seccompUnconfined, origin))
            return (.unconfined, origin)
        case "Localhost":
            guard let name = try profile.string("localhostProfile"), !name.isEmpty else {
                throw .invalidField(field: profile.field("localhostProfile"), reason: "a Localhost seccomp profile names its file")
            }
            return (.localhost(name), .pod(profile.field("localhostProfile"), name))
        case let other:
            throw .invalidField(field: "\(path).type", reason: "\"\(other ?? "")\" is not RuntimeDefault, Unconfined or Localhost")
        }
    }

    static func capability(_ name: String, field: String) throws(KubernetesAdmissionError) -> CapabilityName {
        if name.uppercased() == "ALL" { return .all }
        do {
            return .capability(try Capability(parsing: name))
        } catch {
            throw .invalidField(field: field, reason: "unknown capability \"\(name)\"")
        }
    }

    // MARK: - Namespaces

    mutating func readNamespaces() throws(KubernetesAdmissionError) {
        let spec = context.spec
        if try spec.bool("hostNetwork") == true {
            request.network = Flagged(NetworkRequest(name: "host"), .pod(spec.field("hostNetwork"), "true"))
        }
        if try spec.bool("hostPID") == true {
            request.namespaces.append(Flagged(NamespaceRequest(kind: .pid, mode: .host), .pod(spec.field("hostPID"), "true")))
        }
        if try spec.bool("hostIPC") == true {
            request.namespaces.append(Flagged(NamespaceRequest(kind: .ipc, mode: .host), .pod(spec.field("hostIPC"), "true")))
        }
        if try spec.bool("shareProcessNamespace") == true {
            // Every container of the pod sees (and may signal and trace) the others' processes.
            request.namespaces.append(
                Flagged(NamespaceRequest(kind: .pid, mode: .container("the pod's other containers")), .pod(spec.field("shareProcessNamespace"), "true")))
        }
        if kind == .ephemeralContainer, let target = try object.string("targetContainerName"), !target.isEmpty {
            request.namespaces.append(Flagged(NamespaceRequest(kind: .pid, mode: .container(target)), .pod(object.field("targetContainerName"), target)))
        }
        if let runtime = try spec.string("runtimeClassName"), !runtime.isEmpty {
            request.runtimeOverrides.append(Flagged(.runtime(runtime), .pod(spec.field("runtimeClassName"), runtime)))
        }
        _ = try spec.bool("hostUsers")
        _ = try spec.bool("automountServiceAccountToken")
    }

    // MARK: - Resources

    mutating func readResources() throws(KubernetesAdmissionError) {
        guard let resources = try object.object("resources", known: PodFields.resources) else { return }
        for (name, section) in [("limits", try resources.map("limits")), ("requests", try resources.map("requests"))] {
            let holder = try resources.object(name, known: nil)
            for member in section {
                let field = "\(resources.field(name)).\(member.key)"
                guard let holder, let quantity = try holder.quantity(member.key) else { continue }
                switch (name, member.key) {
                case ("limits", "memory"):
                    memory = quantity.units
                    request.memory = Flagged(ByteSize(bytes: quantity.units), .pod(field, quantity.text))
                case ("limits", "cpu"):
                    nanoCPUs = quantity.nanos
                    request.nanoCPUs = Flagged(quantity.nanos, .pod(field, quantity.text))
                case (_, "cpu"), (_, "memory"), (_, "ephemeral-storage"):
                    break
                case (_, let key) where key.contains("/") || key.hasPrefix("hugepages-"):
                    // Extended resources are devices (GPUs and the like) a device plugin puts in the container.
                    if name == "limits" { request.devices.append(Flagged(.gpus(key), .pod(field, quantity.text))) }
                default:
                    throw .invalidField(field: field, reason: "\(member.key) is not a resource securerun knows (cpu, memory, ephemeral-storage)")
                }
            }
        }
        if resources.node("claims") != nil {
            request.devices.append(Flagged(.cdi("resources.claims"), .pod(resources.field("claims"), nil)))
        }
    }

    // MARK: - Volumes

    mutating func readMounts() throws(KubernetesAdmissionError) {
        for mount in try object.objects("volumeMounts", known: PodFields.volumeMount) {
            guard let name = try mount.string("name"), let volume = context.volumes[name] else {
                throw .invalidField(field: mount.field("name"), reason: "no volume of the pod has this name")
            }
            guard let destination = try mount.string("mountPath"), destination.hasPrefix("/") else {
                throw .invalidField(field: mount.field("mountPath"), reason: "a mount path is absolute")
            }
            if let expression = try mount.string("subPathExpr"), !expression.isEmpty {
                throw .invalidField(
                    field: mount.field("subPathExpr"), reason: "the path is only known on the node, so securerun cannot judge it; use subPath")
            }
            let subPath = try mount.string("subPath") ?? ""
            let readOnly = try mount.bool("readOnly") ?? false
            _ = try mount.string("recursiveReadOnly")
            let propagation: String?
            switch try mount.string("mountPropagation") {
            case nil, "None": propagation = nil
            case "HostToContainer": propagation = "rslave"
            case "Bidirectional": propagation = "rshared"
            case let other?: throw .invalidField(field: mount.field("mountPropagation"), reason: "\"\(other)\" is not None, HostToContainer or Bidirectional")
            }
            let origin = FlagOrigin.pod(mount.path, "\(name):\(destination)\(readOnly ? ":ro" : "")")
            let source = volume.object
            if let hostPath = try source.object("hostPath", known: PodFields.hostPath) {
                guard var path = try hostPath.string("path"), path.hasPrefix("/") else {
                    throw .invalidField(field: hostPath.field("path"), reason: "a host path is absolute")
                }
                _ = try hostPath.string("type")
                if !subPath.isEmpty { path = (path.hasSuffix("/") ? path : path + "/") + subPath }
                request.mounts.append(
                    Flagged(.bind(BindRequest(source: path, destination: destination, readOnly: readOnly, propagation: propagation)), origin))
            } else if let emptyDir = try source.object("emptyDir", known: PodFields.emptyDir) {
                switch try emptyDir.string("medium") ?? "" {
                case "Memory":
                    let size = try emptyDir.quantity("sizeLimit").map { ByteSize(bytes: $0.units) }
                    if size == nil { unsizedTmpfs.append(.pod(emptyDir.field("sizeLimit"), "unset")) }
                    request.mounts.append(Flagged(.tmpfs(TmpfsRequest(path: destination, size: size)), origin))
                case "":
                    // On the node's disk, writable, outliving restarts: an anonymous volume in docker's terms.
                    request.mounts.append(Flagged(.volume(name: nil, destination: destination), origin))
                case let medium:
                    request.unsupported.append(Flagged("emptyDir medium \(medium) is not one securerun judges; use medium Memory with a sizeLimit", origin))
                }
            } else if PodFields.apiVolumes.contains(where: { source.node($0) != nil }) {
                // Files the kubelet writes from the API, mounted read-only whatever the mount says: no host path.
                continue
            } else {
                let type = source.members.keys.filter { $0 != "name" }.sorted().first ?? "no source"
                request.unsupported.append(
                    Flagged(
                        "\(type) volumes are not judged by securerun's volume rules; use a hostPath the profile allows, or an emptyDir with medium Memory",
                        origin))
            }
        }
        for device in try object.objects("volumeDevices", known: PodFields.volumeDevice) {
            let path = try device.string("devicePath") ?? ""
            request.devices.append(Flagged(.device(host: try device.string("name") ?? "", container: path, permissions: "rwm"), .pod(device.path, path)))
        }
    }

    // MARK: - Ports

    mutating func readPorts() throws(KubernetesAdmissionError) {
        for port in try object.objects("ports", known: PodFields.port) {
            guard let container = try port.int64("containerPort"), (1...65535).contains(container) else {
                throw .invalidField(field: port.field("containerPort"), reason: "a port is 1 to 65535")
            }
            guard let host = try port.int64("hostPort"), host != 0 else { continue }
            guard (1...65535).contains(host) else { throw .invalidField(field: port.field("hostPort"), reason: "a port is 1 to 65535") }
            let hostIP = try port.string("hostIP")
            let proto = (try port.string("protocol") ?? "TCP").lowercased()
            request.ports.append(
                Flagged(
                    PortMapping(
                        hostIP: hostIP?.isEmpty == false ? hostIP : nil, hostPorts: Int(host)...Int(host), containerPorts: Int(container)...Int(container),
                        proto: proto), .pod(port.field("hostPort"), "\(host)")))
        }
    }
}
