/// SR206: the profile lets requests mount host directories writable. A writable bind is a way for a
/// compromised container to change the host: its files, and whatever reads them later.
public enum ProfileWritableVolumes: ProfileRule {
    public static let description = RuleDescription(
        id: "SR206", name: "profile-writable-volumes", severity: .warning, kinds: [.profile],
        summary: "volumes are read-only",
        explanation: """
            With volumes.allowWritable every -v HOST:CTR without :ro writes to the host. securerun still refuses \
            system directories and credentials, but any other directory a caller names becomes writable by the \
            container (and, with no user namespace, with its uid on the host).
            Fix: leave allowWritable false and write to a tmpfs; if a workload must write to the host, give it a \
            profile of its own and a directory of its own.
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        if profile.flag("volumes.allowWritable") == true {
            sink.add(description, "volumes.allowWritable lets every request mount host directories writable", field: "volumes.allowWritable")
        }
    }
}
