extension LinuxSeccomp {
    /// Checks runc makes before it builds a filter: notify is never the default action (the kernel would
    /// have no answer for most syscalls) and notify rules need a listener socket.
    func validate(source: String) throws(SeccompError) {
        if defaultAction == .notify {
            throw .invalid(file: source, field: "defaultAction", reason: "SCMP_ACT_NOTIFY cannot be the default action")
        }
        let needsListener = (syscalls ?? []).firstIndex { $0.action == .notify }
        if let index = needsListener, (listenerPath ?? "").isEmpty {
            throw .invalid(file: source, field: "syscalls[\(index)].action", reason: "SCMP_ACT_NOTIFY needs a listenerPath")
        }
    }
}
