import Policy

/// SR028: fail closed, as `securerun lint --explain` explains it.
public enum ReadableRequests: DoorRule {
    public static let rule = PolicyViolation.Rule.readableRequest
    public static let explanation = """
        securerun reads a request the way its owner does (docker's flag grammar, the Engine API's JSON, Kubernetes' objects) and \
        refuses what it cannot read whole or cannot check: an unknown flag, a body missing or over the engine's limit, duplicate \
        JSON keys, an endpoint it does not know, a container it cannot look up, or a record it cannot read. Handing such a \
        request on would let the engine decide what securerun never judged.
        Fix: spell the request as the message says (see the command's --help); for API clients, send the whole JSON body with a \
        Content-Length.
        """
}
