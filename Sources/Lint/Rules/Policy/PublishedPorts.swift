import Policy

/// SR026: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum PublishedPorts: PolicyRule {
    public static let rule = PolicyViolation.Rule.publish
    public static let explanation = """
        A port is published only where the profile's network.publish allows it: on one of its hostAddresses (127.0.0.1 unless the \
        profile lists more), from host port 1024 up, and never with -P. Publishing on 0.0.0.0 exposes the service on every host \
        interface. securerun refuses the request before anything starts.
        Fix: publish as -p 127.0.0.1:HOST_PORT:CONTAINER_PORT, or add the address to the profile's publish.hostAddresses.
        """
}
