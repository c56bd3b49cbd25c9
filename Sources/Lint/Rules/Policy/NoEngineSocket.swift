import Policy

/// SR020: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NoEngineSocket: PolicyRule {
    public static let rule = PolicyViolation.Rule.engineSocket
    public static let explanation = """
        --use-api-socket mounts the Docker API socket and registry credentials into the container: root on the host through the engine. \
        securerun refuses the request before anything starts.
        Fix: build and push from the host.
        """
}
