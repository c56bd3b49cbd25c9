import Capabilities

/// What to do with a syscall name libseccomp does not know.
public enum UnknownSyscallPolicy: Sendable {
    /// Refuse the profile: runc would silently ignore the name, so a rule would quietly not exist.
    case reject
    /// Leave the name out. Only for a trusted baseline to compare against (a newer Docker default names
    /// syscalls this libseccomp predates), never for a profile that will run.
    case omit
}

/// The facts about the container and host that Docker's `includes`/`excludes` are checked against.
struct ResolutionContext {
    var capabilities: Set<Capability>
    var native: SeccompArchitecture
    var kernel: KernelVersion
}

extension SeccompProfile {
    /// Turns this Docker profile into the runtime-spec object for a container whose bounding set is
    /// `capabilities`, as moby does: `includes`/`excludes` are checked against those capabilities, the
    /// native architecture (Go's names: x86_64 is `amd64`) and the running kernel (`minKernel`); `archMap`
    /// becomes the native architecture plus its compat ABIs. Every syscall name, in every rule, must be one
    /// libseccomp knows for every architecture listed. Rules that do what the default action does are
    /// dropped, as crun does. A profile that hands syscalls to another process (`listenerPath`,
    /// `SCMP_ACT_NOTIFY`, `SCMP_ACT_TRACE`) is refused. `source` (the file) is named in every error.
    public func resolve(
        capabilities: Set<Capability>, source: String, unknownSyscalls: UnknownSyscallPolicy = .reject
    ) throws(SeccompError) -> LinuxSeccomp {
        guard let native = SeccompArchitecture.native else {
            throw .unsupportedArchitecture(name: "native", file: source, field: "architectures")
        }
        let context = ResolutionContext(capabilities: capabilities, native: native, kernel: try KernelVersion.running())
        return try resolve(in: context, source: source, unknownSyscalls: unknownSyscalls)
    }

    func resolve(in context: ResolutionContext, source: String, unknownSyscalls: UnknownSyscallPolicy) throws(SeccompError) -> LinuxSeccomp {
        try validateNoDelegation(source: source)
        let architectures = try resolvedArchitectures(native: context.native, source: source)
        let checkedArchitectures = architectures.isEmpty ? [context.native] : architectures
        var result = LinuxSeccomp(
            defaultAction: defaultAction, defaultErrnoRet: defaultErrnoRet,
            architectures: architectures.isEmpty ? nil : architectures,
            flags: flags, listenerPath: listenerPath, listenerMetadata: listenerMetadata)
        let defaultEffect = result.effectiveDefault
        var rules: [LinuxSeccomp.Syscall] = []
        for (index, rule) in (syscalls ?? []).enumerated() {
            let field = "syscalls[\(index)]"
            let given = try rule.validatedNames(field: field, source: source)
            try rule.validateArguments(field: field, source: source)
            var names: [String] = []
            for (position, name) in given.enumerated() {
                if checkedArchitectures.allSatisfy({ LibSeccomp.knows(name, on: $0) }) {
                    names.append(name)
                } else if unknownSyscalls == .reject {
                    let nameField = rule.name != nil ? "\(field).name" : "\(field).names[\(position)]"
                    throw .unknownSyscall(name: name, file: source, field: nameField)
                }
            }
            guard try rule.applies(in: context, field: field, source: source), !names.isEmpty else { continue }
            // A rule that does what the default does changes nothing; crun skips such rules too.
            if rule.action.effective(errnoRet: rule.errnoRet) == defaultEffect { continue }
            rules.append(LinuxSeccomp.Syscall(names: names, action: rule.action, errnoRet: rule.errnoRet, args: rule.args))
        }
        result.syscalls = rules
        try result.validate(source: source)
        return result
    }

    /// The architectures for the native one: the old `architectures` list as it is, or the matching `archMap` entry.
    func resolvedArchitectures(native: SeccompArchitecture, source: String) throws(SeccompError) -> [SeccompArchitecture] {
        let listed = architectures ?? []
        let mapped = archMap ?? []
        if !listed.isEmpty && !mapped.isEmpty {
            throw .invalid(file: source, field: "archMap", reason: "both \"architectures\" and \"archMap\" are set; use one")
        }
        var result = listed
        for entry in mapped where entry.architecture == native {
            result.append(entry.architecture)
            result.append(contentsOf: entry.subArchitectures ?? [])
        }
        for (index, arch) in result.enumerated() where arch.token == nil {
            let field = listed.isEmpty ? "archMap" : "architectures[\(index)]"
            throw .unsupportedArchitecture(name: arch.rawValue, file: source, field: field)
        }
        var seen = Set<SeccompArchitecture>()
        return result.filter { seen.insert($0).inserted }
    }
}

extension SeccompProfile.Syscall {
    /// `name` (old format) or `names` (new), never both, never empty.
    func validatedNames(field: String, source: String) throws(SeccompError) -> [String] {
        if let name {
            guard names?.isEmpty ?? true else {
                throw .invalid(file: source, field: field, reason: "both \"name\" and \"names\" are set; use one")
            }
            guard !name.isEmpty else { throw .invalid(file: source, field: "\(field).name", reason: "empty syscall name") }
            return [name]
        }
        guard let names, !names.isEmpty else {
            throw .invalid(file: source, field: "\(field).names", reason: "a rule needs at least one syscall name")
        }
        if let position = names.firstIndex(where: \.isEmpty) {
            throw .invalid(file: source, field: "\(field).names[\(position)]", reason: "empty syscall name")
        }
        return names
    }

    /// Argument indexes within 0...5 and errno values the kernel can return.
    func validateArguments(field: String, source: String) throws(SeccompError) {
        for (position, argument) in (args ?? []).enumerated() where argument.index > 5 {
            throw .invalid(
                file: source, field: "\(field).args[\(position)].index",
                reason: "argument index \(argument.index) is out of range (syscalls have arguments 0 to 5)")
        }
        if let errnoRet, errnoRet > UInt32(UInt16.max) {
            throw .invalid(file: source, field: "\(field).errnoRet", reason: "\(errnoRet) does not fit the 16 bits seccomp returns")
        }
    }

    /// Moby's evaluation order: excluded arches, included arches, excluded caps, excluded minKernel,
    /// included caps (all needed), included minKernel.
    func applies(in context: ResolutionContext, field: String, source: String) throws(SeccompError) -> Bool {
        let native = context.native.goArch
        if let arches = excludes?.arches, arches.contains(native) { return false }
        if let arches = includes?.arches, !arches.isEmpty, !arches.contains(native) { return false }
        if let caps = excludes?.caps {
            for (position, name) in caps.enumerated() {
                let cap = try capability(name, field: "\(field).excludes.caps[\(position)]", source: source)
                if context.capabilities.contains(cap) { return false }
            }
        }
        if let minKernel = excludes?.minKernel, context.kernel >= minKernel { return false }
        if let caps = includes?.caps {
            for (position, name) in caps.enumerated() {
                let cap = try capability(name, field: "\(field).includes.caps[\(position)]", source: source)
                if !context.capabilities.contains(cap) { return false }
            }
        }
        if let minKernel = includes?.minKernel, context.kernel < minKernel { return false }
        return true
    }

    private func capability(_ name: String, field: String, source: String) throws(SeccompError) -> Capability {
        do {
            return try Capability(parsing: name)
        } catch {
            throw .unknownCapability(name: name, file: source, field: field)
        }
    }
}
