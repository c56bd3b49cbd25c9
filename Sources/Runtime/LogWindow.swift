import Foundation

/// `logs --since/--until`: the times a log is printed between, read as docker reads them (a Go duration
/// before now such as `10m` or `1h30m`, a Unix time such as `1700000000.5`, or an RFC 3339 time such as
/// `2024-05-01T12:00:00Z`; a time without a zone is local, a date alone is its midnight).
public struct LogWindow: Sendable, Equatable {
    /// One bound: seconds and nanoseconds since the epoch.
    public struct Instant: Sendable, Equatable, Comparable {
        public var seconds: Int64
        public var nanoseconds: Int

        /// `seconds` and `nanoseconds` (0…999,999,999) since the epoch.
        public init(seconds: Int64, nanoseconds: Int) {
            self.seconds = seconds
            self.nanoseconds = nanoseconds
        }

        public static func < (lhs: Instant, rhs: Instant) -> Bool {
            (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
        }

        /// As the log writes its timestamps (RFC 3339, UTC, nine fraction digits): compared as text.
        public var logTimestamp: String {
            var seconds = time_t(self.seconds)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            func digits(_ value: Int, _ width: Int) -> String {
                let text = String(value)
                return String(repeating: "0", count: max(0, width - text.count)) + text
            }
            return "\(digits(Int(parts.tm_year) + 1900, 4))-\(digits(Int(parts.tm_mon) + 1, 2))-\(digits(Int(parts.tm_mday), 2))T"
                + "\(digits(Int(parts.tm_hour), 2)):\(digits(Int(parts.tm_min), 2)):\(digits(Int(parts.tm_sec), 2)).\(digits(nanoseconds, 9))Z"
        }

        /// As the Engine API takes it (`seconds.nanoseconds`).
        public var engineText: String {
            let fraction = String(nanoseconds)
            return "\(seconds).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)"
        }
    }

    /// Lines from this time on.
    public var since: Instant?
    /// Lines before this time.
    public var until: Instant?

    /// A window.
    public init(since: Instant? = nil, until: Instant? = nil) {
        self.since = since
        self.until = until
    }

    /// Whether a line stamped `timestamp` (the log's own format) is inside.
    public func contains(timestamp: String) -> Bool {
        if let since, timestamp < since.logTimestamp { return false }
        if let until, timestamp >= until.logTimestamp { return false }
        return true
    }

    /// Whether every line is inside.
    public var isEverything: Bool { since == nil && until == nil }

    /// `text` as docker's `--since`/`--until` read it, relative to `now`; nil when it is none of its forms.
    public static func instant(_ text: String, now: Date = Date()) -> Instant? {
        if let duration = goDuration(text) {
            let nanos = max(0, Int64((now.timeIntervalSince1970 * 1e9).rounded()) - duration)
            return Instant(seconds: nanos / 1_000_000_000, nanoseconds: Int(nanos % 1_000_000_000))
        }
        if let unix = unixTime(text) { return unix }
        return rfc3339(text)
    }

    /// A Go duration (`1h30m`, `10m`, `2.5s`, `300ms`) in nanoseconds; nil when `text` is not one.
    static func goDuration(_ text: String) -> Int64? {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        var rest = Substring(text)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            // Longest unit first: `ms` before `m`.
            guard let (unit, scale) = units.sorted(by: { $0.0.count > $1.0.count }).first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        guard total.isFinite, total < 1e18 else { return nil }
        return Int64(total)
    }

    /// `1700000000` or `1700000000.123456789`.
    static func unixTime(_ text: String) -> Instant? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let first = parts.first, !first.isEmpty, first.count <= 12, first.allSatisfy({ $0.isASCII && $0.isNumber }),
            let seconds = Int64(first)
        else { return nil }
        var nanos = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(fraction) else { return nil }
            nanos = value * Int(pow(10.0, Double(9 - fraction.count)))
        }
        return Instant(seconds: seconds, nanoseconds: nanos)
    }

    /// `YYYY-MM-DD[THH:MM[:SS[.fraction]]][Z|±HH:MM]`; without a zone, local time.
    static func rfc3339(_ text: String) -> Instant? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + width] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += width
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var nanos = 0
        if index < bytes.count, bytes[index] == 0x54 || bytes[index] == 0x74 {
            index += 1
            guard let h = number(2), expect(0x3A), let m = number(2), h < 24, m < 60 else { return nil }
            hour = h
            minute = m
            if expect(0x3A) {
                guard let s = number(2), s < 61 else { return nil }
                second = s
                if expect(0x2E) {
                    var digits = 0
                    while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                        if digits < 9 { nanos = nanos * 10 + Int(bytes[index] - 0x30) }
                        digits += 1
                        index += 1
                    }
                    guard digits > 0 else { return nil }
                    for _ in digits..<max(digits, 9) { nanos *= 10 }
                }
            }
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds: Int64
        if index == bytes.count {
            parts.tm_isdst = -1
            seconds = Int64(mktime(&parts))
        } else if expect(0x5A) || expect(0x7A) {
            seconds = Int64(timegm(&parts))
        } else if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D {
            let sign: Int64 = bytes[index] == 0x2B ? 1 : -1
            index += 1
            guard let h = number(2), expect(0x3A), let m = number(2), h < 24, m < 60 else { return nil }
            seconds = Int64(timegm(&parts)) - sign * Int64(h * 3600 + m * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        return Instant(seconds: seconds, nanoseconds: nanos)
    }
}
