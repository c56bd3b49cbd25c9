import Policy

/// SR029: the drop-in guards the engine it can inspect, as `securerun lint --explain` explains it.
public enum LocalEngineOnly: DoorRule {
    public static let rule = PolicyViolation.Rule.localEngine
    public static let explanation = """
        The drop-in checks exec, update, start, restart and network connect against the container the engine has, so the engine \
        docker would talk to must be the one securerun asks: -H, --host and --context are refused, and so are a TCP DOCKER_HOST, \
        another DOCKER_CONTEXT or a current context in the docker config.
        Fix: unset DOCKER_CONTEXT, use a unix:// DOCKER_HOST, or enforce on the other engine itself with securerun engine-plugin.
        """
}
