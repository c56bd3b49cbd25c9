import Policy

/// The pod floor as CEL over an admission request's Pod: one check per securerun rule, each true when the
/// pod meets the profile. The ValidatingAdmissionPolicy is made of these; they name the same rule ids as
/// `securerun run` so a denial reads the same at every door.
public struct PodFloorCEL: Sendable {
    /// One validation: its rule id, the expression, and the message when it is false.
    public struct Check: Sendable, Equatable {
        /// The securerun rule (`SR001`), or `image-digest` and `registry` for what admission checks.
        public var rule: String
        /// A CEL expression over `object` (the Pod) and `variables`.
        public var expression: String
        /// The denial's message.
        public var message: String
    }

    /// The profile's values.
    public let values: KubernetesProfile

    /// The checks for `values`.
    public init(_ values: KubernetesProfile) { self.values = values }

    /// Variables the checks share: the pod-level defaults a container inherits.
    public var variables: [(name: String, expression: String)] {
        let seccomp = Self.isExactSeccomp("object.spec.securityContext.seccompProfile", file: values.seccompFile)
        return [
            (
                "podNonRoot",
                "has(object.spec.securityContext) && has(object.spec.securityContext.runAsNonRoot) && object.spec.securityContext.runAsNonRoot"
            ),
            ("podSeccomp", "has(object.spec.securityContext) && has(object.spec.securityContext.seccompProfile) && \(seccomp)"),
        ]
    }

    /// `all(c, condition)` over containers, initContainers and ephemeralContainers (separately: they are
    /// different types, and typed CEL refuses a list of both).
    static func everyContainer(_ condition: String, ephemeral: Bool = true) -> String {
        let lists = ["containers", "initContainers"] + (ephemeral ? ["ephemeralContainers"] : [])
        return lists.map { "(!has(object.spec.\($0)) || object.spec.\($0).all(c, \(condition)))" }.joined(separator: " && ")
    }

    static func notTrue(_ path: String, _ field: String) -> String { "(!has(\(path).\(field)) || !\(path).\(field))" }
    static func notZero(_ path: String, _ field: String) -> String { "(!has(\(path).\(field)) || \(path).\(field) != 0)" }

    static func isExactSeccomp(_ path: String, file: String) -> String {
        "\(path).type == 'Localhost' && has(\(path).localhostProfile) && \(path).localhostProfile == '\(file)'"
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'" }

    static func message(_ rule: PolicyViolation.Rule, _ text: String) -> String { "\(text) [\(rule.id) \(rule.name)]" }

    /// The checks, in rule order.
    public var checks: [Check] {
        let sc = "c.securityContext"
        let pod = "object.spec.securityContext"
        let adds = values.capabilityAdds.flatMap { [$0, "CAP_" + $0] }
        let addCheck =
            adds.isEmpty
            ? "(!has(\(sc).capabilities.add) || size(\(sc).capabilities.add) == 0)"
            : "(!has(\(sc).capabilities.add) || \(sc).capabilities.add.all(a, a in [\(adds.map(Self.quoted).joined(separator: ", "))]))"
        let limit = "quantity(string(c.resources.limits[KEY])).compareTo(quantity(VALUE)) <= 0"
        func within(_ key: String, _ value: String) -> String {
            "'\(key)' in c.resources.limits && "
                + limit.replacingOccurrences(of: "KEY", with: "'\(key)'").replacingOccurrences(of: "VALUE", with: Self.quoted(value))
        }
        var checks: [Check] = [
            Check(
                rule: "SR001",
                expression: "!has(\(pod)) || (\(Self.notZero(pod, "runAsUser")) && \(Self.notZero(pod, "runAsGroup")) && \(Self.notZero(pod, "fsGroup"))"
                    + " && (!has(\(pod).supplementalGroups) || !(0 in \(pod).supplementalGroups)))",
                message: Self.message(.nonRootUser, "the pod's runAsUser, runAsGroup, fsGroup and supplementalGroups must not be 0")),
            Check(
                rule: "SR001",
                expression: Self.everyContainer(
                    "(has(\(sc)) && has(\(sc).runAsNonRoot) ? \(sc).runAsNonRoot : variables.podNonRoot)"
                        + " && (!has(\(sc)) || (\(Self.notZero(sc, "runAsUser")) && \(Self.notZero(sc, "runAsGroup"))))"),
                message: Self.message(.nonRootUser, "every container must run with runAsNonRoot: true and a uid and gid other than 0")),
            Check(
                rule: "SR002",
                expression: Self.everyContainer(
                    "has(\(sc)) && has(\(sc).capabilities) && has(\(sc).capabilities.drop) && \(sc).capabilities.drop.exists(d, d == 'ALL') && \(addCheck)"),
                message: Self.message(
                    .capabilities,
                    "every container must drop ALL capabilities and add only \(values.capabilityAdds.isEmpty ? "none" : values.capabilityAdds.joined(separator: ", "))"
                )),
            Check(
                rule: "SR003",
                expression: Self.everyContainer("has(\(sc)) && has(\(sc).readOnlyRootFilesystem) && \(sc).readOnlyRootFilesystem"),
                message: Self.message(.readOnlyRootfs, "every container must set readOnlyRootFilesystem: true")),
            Check(
                rule: "SR004",
                expression: Self.everyContainer("has(\(sc)) && has(\(sc).allowPrivilegeEscalation) && !\(sc).allowPrivilegeEscalation"),
                message: Self.message(.noNewPrivileges, "every container must set allowPrivilegeEscalation: false")),
            Check(
                rule: "SR005",
                expression: Self.everyContainer(
                    "has(\(sc)) && has(\(sc).seccompProfile) ? (\(Self.isExactSeccomp("\(sc).seccompProfile", file: values.seccompFile))) : variables.podSeccomp"
                ),
                message: Self.message(
                    .seccomp, "every container must run under seccomp Localhost profile \(values.seccompFile) (install it at \(values.seccompNodePath))")),
            Check(
                rule: "SR006",
                expression: Self.everyContainer("has(c.resources) && has(c.resources.limits) && \(within("memory", values.memory))", ephemeral: false),
                message: Self.message(.memory, "every container must have limits.memory of at most \(values.memory)")),
            Check(
                rule: "SR007",
                expression: Self.everyContainer("has(c.resources) && has(c.resources.limits) && \(within("cpu", values.cpu))", ephemeral: false),
                message: Self.message(.cpu, "every container must have limits.cpu of at most \(values.cpu)")),
            Check(
                rule: "SR009",
                expression: Self.everyContainer("!has(\(sc)) || \(Self.notTrue(sc, "privileged"))"),
                message: Self.message(.privileged, "no container may be privileged")),
            Check(
                rule: "SR010",
                expression: "!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath))",
                message: Self.message(.volumes, "hostPath volumes are refused (a policy cannot pin a node path or see what it holds)")),
            Check(
                rule: "SR011",
                expression: "!has(object.spec.volumes) || (size(object.spec.volumes.filter(v, has(v.emptyDir))) <= \(values.maxTmpfsCount)"
                    + " && object.spec.volumes.all(v, !has(v.emptyDir) || (has(v.emptyDir.medium) && v.emptyDir.medium == 'Memory'"
                    + " && has(v.emptyDir.sizeLimit) && quantity(string(v.emptyDir.sizeLimit)).compareTo(quantity(\(Self.quoted(KubernetesProfile.quantity(bytes: values.maxTmpfsSize.bytes))))) <= 0)))",
                message: Self.message(
                    .tmpfs,
                    "at most \(values.maxTmpfsCount) emptyDir volumes, each medium Memory with a sizeLimit of at most \(KubernetesProfile.quantity(bytes: values.maxTmpfsSize.bytes))"
                )),
            Check(
                rule: "SR012",
                expression: "\(Self.notTrue("object.spec", "hostNetwork"))",
                message: Self.message(.network, "hostNetwork is refused")),
            Check(
                rule: "SR013",
                expression: Self.everyContainer(
                    "!has(\(sc)) || ((!has(\(sc).procMount) || \(sc).procMount == 'Default') && (!has(\(sc).appArmorProfile) || \(sc).appArmorProfile.type != 'Unconfined'))"
                ) + " && (!has(\(pod)) || !has(\(pod).appArmorProfile) || \(pod).appArmorProfile.type != 'Unconfined')",
                message: Self.message(.securityOptions, "procMount must stay Default and AppArmor must not be Unconfined")),
            Check(
                rule: "SR015",
                expression: "\(Self.notTrue("object.spec", "hostPID")) && \(Self.notTrue("object.spec", "hostIPC"))",
                message: Self.message(.hostNamespaces, "hostPID and hostIPC are refused")),
            Check(
                rule: "SR026",
                expression: Self.everyContainer("!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)"),
                message: Self.message(.publish, "hostPort is refused; publish through a Service")),
            Check(
                rule: "image-digest",
                expression: Self.everyContainer("has(c.image) && c.image.matches('^[^@]+@sha256:[0-9a-f]{64}$')"),
                message: "every image must be pinned by digest (NAME@sha256:...): admission judges a digest, and a tag can move [image-digest]"),
        ]
        if !values.profile.allowedRegistries.isEmpty {
            let prefixes = values.profile.allowedRegistries.map { "c.image.startsWith(\(Self.quoted($0 + "/")))" }
            // docker.io images are often written without the registry (`busybox@sha256:…`).
            let dockerHub = values.profile.allowedRegistries.contains { ["docker.io", "index.docker.io"].contains($0) }
            let bare = dockerHub ? ["!c.image.matches('^[^/@]*[.:][^/@]*/') && !c.image.startsWith('localhost/')"] : []
            checks.append(
                Check(
                    rule: "registry",
                    expression: Self.everyContainer("has(c.image) && (\((prefixes + bare).joined(separator: " || ")))"),
                    message: "images must come from \(values.profile.allowedRegistries.joined(separator: ", ")) [registry]"))
        }
        return checks
    }
}
