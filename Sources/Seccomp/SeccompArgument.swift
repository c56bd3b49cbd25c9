/// A condition on one syscall argument, shared by Docker profiles and the OCI runtime spec:
/// `{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}`.
///
/// For `SCMP_CMP_MASKED_EQ`, `value` is the mask and `valueTwo` the value the masked argument must equal,
/// as runc passes them to libseccomp.
public struct SeccompArgument: Codable, Sendable, Hashable {
    /// Which argument (0 to 5).
    public var index: UInt32
    /// The first operand.
    public var value: UInt64
    /// The second operand, used by `SCMP_CMP_MASKED_EQ`; omitted from JSON when nil.
    public var valueTwo: UInt64?
    /// The comparison.
    public var op: SeccompOperator

    /// Makes a condition.
    public init(index: UInt32, value: UInt64, valueTwo: UInt64? = nil, op: SeccompOperator) {
        self.index = index
        self.value = value
        self.valueTwo = valueTwo
        self.op = op
    }
}
