import Policy

/// SR025: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum BandwidthCeiling: PolicyRule {
    public static let rule = PolicyViolation.Rule.bandwidth
    public static let explanation = """
        A private container's traffic is shaped both ways at the profile's egressRate and ingressRate (with their bursts); \
        --egress-rate and --ingress-rate may only lower them. An unshaped container can saturate the host's link for every other \
        service. securerun refuses the request before anything starts.
        Fix: drop the flag, or give a rate at or below the profile's.
        """
}
