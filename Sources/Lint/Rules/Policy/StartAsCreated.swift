import Policy

/// SR030: a created container is judged again when it starts, as `securerun lint --explain` explains it.
public enum StartAsCreated: DoorRule {
    public static let rule = PolicyViolation.Rule.startAsCreated
    public static let explanation = """
        docker start and restart of a container securerun created take the start decision again: the image digest must still be \
        admitted, and the profile must still give the spec the engine's container was created with. A profile tightened since \
        would otherwise be met by containers that were created under the old one.
        Fix: remove the container and run it again under the current profile.
        """
}
