/// A Kubernetes resource quantity (`256Mi`, `1G`, `500m`, `0.5`, `1e3`) as the API reads it
/// (apimachinery `resource.Quantity`), held exactly as a fraction of thousandths so a CPU limit of `500m`
/// and a memory limit of `256Mi` compare with the profile's without rounding up.
public struct Quantity: Sendable, Equatable, CustomStringConvertible {
    /// The value in thousandths (milli-units); large enough for any memory limit a node has.
    public var millis: Int64
    /// The text as written.
    public var text: String

    /// Parses `text`; nil for anything the API would refuse, negatives included (a limit is never negative).
    public init?(parsing text: String) {
        var body = Substring(text)
        guard !body.isEmpty, !body.hasPrefix("-") else { return nil }
        if body.hasPrefix("+") { body = body.dropFirst() }
        // The suffix: binary (Ki…Ei), decimal (n, u, m, k, M…E), or a decimal exponent (e3, E-2).
        var multiplierNumerator: Int64 = 1000
        var multiplierDenominator: Int64 = 1
        let binary: [String: Int64] = ["Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60]
        let decimal: [Character: Int] = ["n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18]
        var exponent = 0
        if body.count >= 2, let factor = binary[String(body.suffix(2))] {
            let (product, overflow) = multiplierNumerator.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            multiplierNumerator = product
            body = body.dropLast(2)
        } else if let last = body.last, let power = decimal[last] {
            exponent = power
            body = body.dropLast()
        } else if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let power = Int(body[body.index(after: e)...]), (-18...18).contains(power) else { return nil }
            exponent = power
            body = body[..<e]
        }
        // The number: digits with at most one '.'.
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !body.isEmpty, parts.count <= 2, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty))
        else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard let whole = Int64(parts[0].isEmpty ? "0" : String(parts[0])), fraction.count <= 18 else { return nil }
        exponent -= fraction.count
        var value = whole
        for digit in fraction {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow, let next = digit.wholeNumberValue else { return nil }
            value = shifted + Int64(next)
        }
        // value × 10^exponent × multiplier, in thousandths; anything finer than a thousandth rounds up, as
        // the API rounds a quantity to its smallest unit.
        var scaledNumerator = value
        for _ in 0..<max(exponent, 0) {
            let (product, overflow) = scaledNumerator.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            scaledNumerator = product
        }
        for _ in 0..<max(-exponent, 0) {
            let (product, overflow) = multiplierDenominator.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            multiplierDenominator = product
        }
        let (product, overflow) = scaledNumerator.multipliedReportingOverflow(by: multiplierNumerator)
        guard !overflow else { return nil }
        millis = product / multiplierDenominator + (product % multiplierDenominator == 0 ? 0 : 1)
        self.text = text
    }

    /// Whole units, rounded up (bytes for memory).
    public var units: Int64 { millis / 1000 + (millis % 1000 == 0 ? 0 : 1) }

    /// Billionths of a unit (nano-CPUs, as `docker run --cpus` is held).
    public var nanos: Int64 {
        let (product, overflow) = millis.multipliedReportingOverflow(by: 1_000_000)
        return overflow ? Int64.max : product
    }

    public var description: String { text }
}
