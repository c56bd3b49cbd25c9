/// Whether containers get a user namespace of their own (`userNamespace:` in a profile).
///
/// With one, uid 0…65535 inside are a block of host ids no account owns (see `Runtime.IdBlocks`), so a
/// process that escapes its other namespaces, or writes through a volume, is nobody on the host.
public enum UserNamespaceMode: String, Sendable, Equatable, Encodable, CaseIterable {
    /// A container without one is refused (the docker backend too, unless its daemon remaps ids).
    case required
    /// One when the host can give it; otherwise the container starts without, with a warning.
    case preferred
    /// Never: container ids are host ids.
    case off
}
