import Policy

/// SR016: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NoHostDevices: PolicyRule {
    public static let rule = PolicyViolation.Rule.hostDevices
    public static let explanation = """
        --device, --gpus, --device-cgroup-rule give direct access to host hardware around every other control. \
        securerun refuses the request before anything starts.
        Fix: run the workload outside a container.
        """
}
