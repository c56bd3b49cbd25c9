/// What would allow a refused request, added to the refusal so a new user learns where the ceiling comes
/// from: the profile field that sets it, or the shipped profile that allows it. The rule id stays the
/// refusal's own; the hint only says where to go next.
enum RefusalHints {
    /// A resource ceiling: the profile field that sets it.
    static func ceiling(_ field: String) -> String {
        "the profile field \(field) sets the ceiling; raise it in a profile of your own (--profile PATH)"
    }

    /// Networking under a profile whose containers get network none.
    static let privateNetwork =
        "use --profile service (a private network of its own, ports published on 127.0.0.1), or set network.mode private in your profile"

    /// Publishing under a profile whose containers get network none.
    static let publishWithoutNetwork =
        "use --profile service (a private network of its own, ports published on 127.0.0.1), or set network.mode private and network.publish.allowed in your profile"

    /// Publishing under a private profile that publishes nothing.
    static let publish = "use --profile service (publishes on 127.0.0.1), or set network.publish.allowed in your profile"
}
