import CSeccomp
import Glibc

/// Owns one libseccomp filter context (`scmp_filter_ctx`) and releases it when dropped. Each method
/// returns libseccomp's result; a negative value is `-errno`.
final class FilterContext {
    private let handle: scmp_filter_ctx

    /// `seccomp_init`; nil when libseccomp rejects the default action.
    init?(defaultAction: UInt32) {
        guard let handle = seccomp_init(defaultAction) else { return nil }
        self.handle = handle
    }

    deinit {
        seccomp_release(handle)
    }

    func addArchitecture(_ token: UInt32) -> Int32 {
        seccomp_arch_add(handle, token)
    }

    func setAttribute(_ attribute: scmp_filter_attr, to value: UInt32) -> Int32 {
        seccomp_attr_set(handle, attribute, value)
    }

    func addRule(action: UInt32, syscall: Int32, conditions: [scmp_arg_cmp]) -> Int32 {
        conditions.withUnsafeBufferPointer { buffer in
            seccomp_rule_add_array(handle, action, syscall, UInt32(buffer.count), buffer.baseAddress)
        }
    }

    func exportBPF(to descriptor: Int32) -> Int32 {
        seccomp_export_bpf(handle, descriptor)
    }
}
