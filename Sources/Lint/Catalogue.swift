import Policy

/// Every rule lint knows, by kind of file, in the order they run; ids are stable and never reused.
public enum Catalogue {
    /// The policy's refusal rules (SR001…), checked by `Policy.findings` on command lines and compose services.
    static let policyRules: [any PolicyRule.Type] = [
        NonRootUser.self, CapabilityAllowList.self, ReadOnlyRootfs.self, NoNewPrivileges.self, SeccompAtLeastAsStrict.self, MemoryCeiling.self,
        CPUCeiling.self, PidsCeiling.self, NoPrivileged.self, SafeVolumes.self, TmpfsFromProfile.self, NetworkMode.self, SecurityOptions.self,
        VolumeHostIDs.self, NoHostNamespaces.self, NoHostDevices.self, NoOOMProtection.self, NamespacedSysctls.self, NoCgroupParent.self,
        NoEngineSocket.self, NoVolumesFrom.self, NoRuntimeOverrides.self, UlimitsLowerOnly.self, NotSupportedYet.self, BandwidthCeiling.self,
        PublishedPorts.self, AdmittedImagesOnly.self,
        ReadableRequests.self, LocalEngineOnly.self, StartAsCreated.self, EngineEndpoints.self, ImagePinnedByDigest.self, RestartPolicyRule.self,
    ]

    /// Seccomp profiles; SeccompInvalid last, so it leaves fields another rule explained to that rule.
    static let seccompRules: [any SeccompRule.Type] = [
        SeccompDefaultAllows.self, UnknownSyscall.self, DangerousSyscallAllowed.self, CompatABIBypass.self, UnreachableSeccompRule.self,
        HostArchitectureMissing.self, ErrnoWithoutErrnoRet.self, DelegatedSyscallDecision.self, EssentialSyscallsDenied.self, SeccompInvalid.self,
    ]

    /// securerun profiles; ProfileInvalid last.
    static let profileRules: [any ProfileRule.Type] = [
        ProfileRootUser.self, ProfileCapabilities.self, ProfileResourceLimits.self, ProfileSwap.self, ProfileNetwork.self,
        ProfileWritableVolumes.self, ProfileTmpfs.self, AdmissionOff.self, AdmissionKeys.self, AdmissionIgnoreEntries.self, ScanAgeLimit.self,
        PublicRegistryAllowed.self, ProfileInvalid.self,
    ]

    /// OCI runtime configs (their `linux.seccomp` also gets the seccomp rules).
    static let runtimeConfigRules: [any RuntimeConfigRule.Type] = [
        RuntimeRootUser.self, RuntimeCapabilities.self, RuntimeNoNewPrivileges.self, RuntimeReadOnlyRoot.self, RuntimeSeccompMissing.self,
        RuntimeResources.self, RuntimeNamespaces.self, RuntimeMounts.self, RuntimeMaskedPaths.self,
    ]

    /// Rules of the files themselves.
    static let inputRules: [any LintRule.Type] = [
        CommandLineInvalid.self, RequestInvalid.self, DocumentUnparseable.self, MalformedSuppression.self, TooManyFindings.self,
    ]

    /// Every rule, by id.
    public static let all: [RuleDescription] = {
        var described = policyRules.map { $0.description }
        // A policy rule added before its explanation was written still gets an entry.
        for rule in PolicyViolation.Rule.allCases where !described.contains(where: { $0.id == rule.id }) {
            described.append(
                RuleDescription(
                    id: rule.id, name: rule.name, severity: .error, kinds: [.dockerRun, .compose], summary: rule.summary,
                    explanation: "\(rule.summary). securerun refuses a request that breaks it before anything starts."))
        }
        described += seccompRules.map { $0.description } + profileRules.map { $0.description }
        described += runtimeConfigRules.map { $0.description } + inputRules.map { $0.description }
        return described.sorted { $0.id < $1.id }
    }()

    /// The rule with id `id` (any case), if there is one.
    public static func rule(_ id: String) -> RuleDescription? {
        let wanted = id.uppercased()
        return all.first { $0.id == wanted }
    }

    /// The catalogue entry of a policy rule.
    static func policyRule(_ rule: PolicyViolation.Rule) -> RuleDescription {
        Catalogue.rule(rule.id)
            ?? RuleDescription(id: rule.id, name: rule.name, severity: .error, kinds: [.dockerRun, .compose], summary: rule.summary, explanation: rule.summary)
    }
}
