import Foundation

/// The systemd unit `securerun generate systemd NAME` prints (podman's habit): a unit of the user's own
/// for one detached container, which brings it back through `securerun restore NAME` (the whole start
/// decision again) and stops it with `securerun stop NAME`. Restarts stay the container's monitor's,
/// under its `--restart` policy; systemd only starts and stops it.
public enum SystemdUnits {
    /// The unit for the container `reference` (which must exist), calling `binary` with `stateRoot`.
    public static func container(_ reference: String, stateRoot: URL, binary: String) throws -> String {
        let view = try Containers(stateRoot: stateRoot).find(reference)
        guard let record = view.record else { throw OrchestrationError.corruptRecord(path: view.directory.path, reason: view.problem ?? "") }
        guard record.detached, !record.request.removesOnExit else {
            throw OrchestrationError.invalidRequest(
                flag: reference, reason: "only a detached container without --rm can have a unit; run it with -d (and a --restart policy) first")
        }
        // systemd's quoting: a name is [A-Za-z0-9_.-] (securerun's --name grammar), an id hex.
        let name = record.name ?? record.id
        let root = stateRoot.path == "/var/lib/securerun" ? "" : "Environment=SECURERUN_ROOT=\(stateRoot.path)\n"
        return """
            # securerun generate systemd \(name)
            # Install as /etc/systemd/system/securerun-\(name).service, then: systemctl enable securerun-\(name).service
            # Starting the unit takes the whole start decision again (the image must still be admitted, the profile
            # must still allow it); its restart policy (\(record.request.restart?.value.description ?? "no")) stays with securerun's monitor.
            [Unit]
            Description=securerun container \(name)
            Documentation=man:securerun(1)
            After=local-fs.target network-online.target
            Wants=network-online.target

            [Service]
            Type=oneshot
            RemainAfterExit=yes
            \(root)ExecStart=\(binary) restore \(name)
            ExecStop=\(binary) stop \(name)
            # The container's monitor outlives the start command.
            KillMode=process

            [Install]
            WantedBy=multi-user.target

            """
    }
}
