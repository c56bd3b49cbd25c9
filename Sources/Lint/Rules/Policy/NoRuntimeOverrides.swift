import Policy

/// SR022: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NoRuntimeOverrides: PolicyRule {
    public static let rule = PolicyViolation.Rule.runtimeOverrides
    public static let explanation = """
        docker's --runtime picks an engine runtime securerun did not configure; --annotation reaches the OCI runtime unread (crun's run.oci.* change how it builds the container). \
        securerun refuses the request before anything starts.
        Fix: securerun run --runtime runc (or crun); remove annotations.
        """
}
