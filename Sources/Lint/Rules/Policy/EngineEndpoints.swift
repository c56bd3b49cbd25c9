import Policy

/// SR031: the engine plugin's endpoint table, as `securerun lint --explain` explains it.
public enum EngineEndpoints: DoorRule {
    public static let rule = PolicyViolation.Rule.engineEndpoints
    public static let explanation = """
        Through securerun's engine plugin, calls that would make or change containers around the policy are refused: build (its \
        steps run unjudged), commit, plugin install and removal (root code, or the removal of the plugin itself), swarm, services, \
        secrets and configs, checkpoints, and copying into a running container. README "Enforcing on the engine" lists the table.
        Fix: build images elsewhere, then import, scan and attest them; run containers with docker run or compose under the profile.
        """
}
