import CSeccomp
import Glibc

extension LinuxSeccomp {
    /// The most BPF instructions the kernel accepts in one filter (`BPF_MAXINSNS`).
    public static let maximumInstructions = 4096

    /// Builds this filter in libseccomp as runc would (default action, architectures, flags, every rule)
    /// and exports the BPF program, without loading it, to prove libseccomp and the kernel's size limit
    /// accept it. Returns the program's length in BPF instructions. `source` names the filter in errors.
    @discardableResult
    public func compile(source: String = "linux.seccomp") throws(SeccompError) -> Int {
        try bpfProgram(source: source).count / 8
    }

    /// The classic-BPF program libseccomp generates for this filter (an array of 8-byte `struct sock_filter`),
    /// as `seccomp(SECCOMP_SET_MODE_FILTER)` would take it. Nothing is loaded into this process.
    public func bpfProgram(source: String = "linux.seccomp") throws(SeccompError) -> [UInt8] {
        try validate(source: source)
        guard let filter = FilterContext(defaultAction: defaultAction.libseccompValue(errnoRet: defaultErrnoRet)) else {
            throw .libseccomp(function: "seccomp_init", errno: EINVAL, context: "defaultAction \(defaultAction.rawValue) in \(source)")
        }
        try addArchitectures(to: filter, source: source)
        try applyFlags(to: filter, source: source)
        try addRules(to: filter, source: source)
        return try export(filter, source: source)
    }

    private func addArchitectures(to filter: FilterContext, source: String) throws(SeccompError) {
        for (index, arch) in (architectures ?? []).enumerated() {
            guard let token = arch.token else {
                throw .unsupportedArchitecture(name: arch.rawValue, file: source, field: "architectures[\(index)]")
            }
            let rc = filter.addArchitecture(token)
            // The native architecture is in every new context already.
            if rc < 0 && rc != -EEXIST {
                throw .libseccomp(function: "seccomp_arch_add", errno: -rc, context: "architectures[\(index)] (\(arch.rawValue)) in \(source)")
            }
        }
    }

    private func applyFlags(to filter: FilterContext, source: String) throws(SeccompError) {
        for (index, flag) in (flags ?? []).enumerated() {
            let attribute: scmp_filter_attr
            switch flag {
            case .tsync: attribute = SCMP_FLTATR_CTL_TSYNC
            case .log: attribute = SCMP_FLTATR_CTL_LOG
            case .specAllow: attribute = SCMP_FLTATR_CTL_SSB
            case .waitKillableRecv:
                // libseccomp 2.5 has no attribute for it; runc refuses the flag with such a libseccomp too.
                throw .libseccomp(
                    function: "seccomp_attr_set", errno: EOPNOTSUPP,
                    context: "flags[\(index)] (\(flag.rawValue)) in \(source) with libseccomp \(LibSeccomp.version)")
            }
            let rc = filter.setAttribute(attribute, to: 1)
            if rc < 0 {
                throw .libseccomp(function: "seccomp_attr_set", errno: -rc, context: "flags[\(index)] (\(flag.rawValue)) in \(source)")
            }
        }
    }

    private func addRules(to filter: FilterContext, source: String) throws(SeccompError) {
        let defaultEffect = effectiveDefault
        for (index, rule) in (syscalls ?? []).enumerated() {
            // libseccomp refuses a rule whose action is the default one (-EACCES); it would change nothing.
            if rule.action.effective(errnoRet: rule.errnoRet) == defaultEffect { continue }
            if let errnoRet = rule.errnoRet, errnoRet > UInt32(UInt16.max) {
                throw .invalid(file: source, field: "syscalls[\(index)].errnoRet", reason: "\(errnoRet) does not fit the 16 bits seccomp returns")
            }
            let action = rule.action.libseccompValue(errnoRet: rule.errnoRet)
            let conditions = try rule.conditions(field: "syscalls[\(index)]", source: source)
            for (position, name) in rule.names.enumerated() {
                guard let number = LibSeccomp.nativeNumber(of: name) else {
                    throw .unknownSyscall(name: name, file: source, field: "syscalls[\(index)].names[\(position)]")
                }
                for group in conditions {
                    let rc = filter.addRule(action: action, syscall: number, conditions: group)
                    if rc < 0 {
                        throw .libseccomp(
                            function: "seccomp_rule_add_array", errno: -rc,
                            context: "syscalls[\(index)] (\(name), \(rule.action.rawValue)\(rule.errnoRet.map { " errnoRet \($0)" } ?? "")) in \(source)")
                    }
                }
            }
        }
    }

    private func export(_ filter: FilterContext, source: String) throws(SeccompError) -> [UInt8] {
        let descriptor = csr_memfd_create("securerun-seccomp")
        guard descriptor >= 0 else {
            throw .libseccomp(function: "memfd_create", errno: errno, context: "exporting \(source)")
        }
        defer { close(descriptor) }
        let rc = filter.exportBPF(to: descriptor)
        if rc < 0 { throw .libseccomp(function: "seccomp_export_bpf", errno: -rc, context: source) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .libseccomp(function: "fstat", errno: errno, context: "exported filter of \(source)")
        }
        // The export is an array of struct sock_filter, 8 bytes each.
        let instructions = Int(status.st_size) / 8
        if instructions > LinuxSeccomp.maximumInstructions {
            throw .filterTooLarge(instructions: instructions, limit: LinuxSeccomp.maximumInstructions)
        }
        var program = [UInt8](repeating: 0, count: Int(status.st_size))
        var offset = 0
        while offset < program.count {
            let count = program.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset, off_t(offset))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw .libseccomp(function: "pread", errno: count < 0 ? errno : EIO, context: "exported filter of \(source)")
            }
            offset += count
        }
        return program
    }
}

extension LinuxSeccomp.Syscall {
    /// The comparison groups to add, one rule each. Like runc, when two conditions test the same argument
    /// each becomes its own rule, since libseccomp takes one comparison per argument per rule.
    func conditions(field: String, source: String) throws(SeccompError) -> [[scmp_arg_cmp]] {
        let arguments = args ?? []
        var comparisons: [scmp_arg_cmp] = []
        for (position, argument) in arguments.enumerated() {
            guard argument.index <= 5 else {
                throw .invalid(
                    file: source, field: "\(field).args[\(position)].index",
                    reason: "argument index \(argument.index) is out of range (syscalls have arguments 0 to 5)")
            }
            comparisons.append(
                scmp_arg_cmp(arg: argument.index, op: argument.op.libseccompValue, datum_a: argument.value, datum_b: argument.valueTwo ?? 0))
        }
        if comparisons.isEmpty { return [[]] }
        let indexes = Set(arguments.map(\.index))
        if indexes.count < arguments.count { return comparisons.map { [$0] } }
        return [comparisons]
    }
}

extension SeccompAction {
    /// The action as libseccomp encodes it; errno and trace data default to EPERM as in runc.
    func libseccompValue(errnoRet: UInt32?) -> UInt32 {
        let data = UInt16(truncatingIfNeeded: errnoRet ?? UInt32(EPERM))
        switch self {
        case .kill, .killThread: return csr_act_kill_thread()
        case .killProcess: return csr_act_kill_process()
        case .trap: return csr_act_trap()
        case .errno: return csr_act_errno(data)
        case .trace: return csr_act_trace(data)
        case .allow: return csr_act_allow()
        case .log: return csr_act_log()
        case .notify: return csr_act_notify()
        }
    }
}

extension SeccompOperator {
    var libseccompValue: scmp_compare {
        switch self {
        case .notEqual: return SCMP_CMP_NE
        case .lessThan: return SCMP_CMP_LT
        case .lessThanOrEqual: return SCMP_CMP_LE
        case .equal: return SCMP_CMP_EQ
        case .greaterThanOrEqual: return SCMP_CMP_GE
        case .greaterThan: return SCMP_CMP_GT
        case .maskedEqual: return SCMP_CMP_MASKED_EQ
        }
    }
}
