import Foundation
import Testing

@testable import Runtime

/// Issue 22: `logs --since/--until` read their values as docker does.
@Suite("logs window: docker's time forms")
struct LogWindowParsingTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test("durations count back from now, Unix times and RFC 3339 times are absolute; a zone or an offset moves the time")
    func forms() throws {
        #expect(LogWindow.instant("10m", now: now) == .init(seconds: 1_700_000_000 - 600, nanoseconds: 0))
        #expect(LogWindow.instant("1h30m", now: now) == .init(seconds: 1_699_994_600, nanoseconds: 0))
        #expect(LogWindow.instant("1.5s", now: now) == .init(seconds: 1_699_999_998, nanoseconds: 500_000_000))
        #expect(LogWindow.instant("300ms", now: now) == .init(seconds: 1_699_999_999, nanoseconds: 700_000_000))
        #expect(LogWindow.instant("1700000123", now: now) == .init(seconds: 1_700_000_123, nanoseconds: 0))
        #expect(LogWindow.instant("1700000123.25", now: now) == .init(seconds: 1_700_000_123, nanoseconds: 250_000_000))
        #expect(LogWindow.instant("2023-11-14T22:13:20Z", now: now)?.seconds == 1_700_000_000)
        #expect(LogWindow.instant("2023-11-14T23:13:20+01:00", now: now)?.seconds == 1_700_000_000)
        #expect(LogWindow.instant("2023-11-14T22:13:20.123456789Z", now: now)?.nanoseconds == 123_456_789)
        for bad in ["", "yesterday", "10", "10x", "1h-5m", "2023-13-01", "2023-11-14T25:00Z", "2023-11-14T22:13:20Zjunk", "--1"] where bad != "10" {
            #expect(LogWindow.instant(bad, now: now) == nil, "\(bad)")
        }
    }

    @Test("a window compares as the log writes its timestamps: since is inclusive, until is not")
    func contains() {
        let instant = LogWindow.Instant(seconds: 1_700_000_000, nanoseconds: 5)
        #expect(instant.logTimestamp == "2023-11-14T22:13:20.000000005Z")
        #expect(instant.engineText == "1700000000.000000005")
        let window = LogWindow(since: instant, until: LogWindow.Instant(seconds: 1_700_000_001, nanoseconds: 0))
        #expect(window.contains(timestamp: "2023-11-14T22:13:20.000000005Z"))
        #expect(!window.contains(timestamp: "2023-11-14T22:13:20.000000004Z"))
        #expect(!window.contains(timestamp: "2023-11-14T22:13:21.000000000Z"))
    }
}
