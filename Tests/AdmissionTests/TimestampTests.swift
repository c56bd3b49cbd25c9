import Foundation
import Testing

@testable import Admission

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2021-08-06T17:50:50.52Z", 1_628_272_250.52),
        ("2022-07-24T17:14:04.864682+09:00", 1_658_650_444.864682),
        ("2024-02-29", 1_709_164_800.0),
        ("1970-01-01T00:00:00Z", 0.0),
    ])
    func parsesRFC3339AndDates(text: String, seconds: Double) throws {
        let date = try #require(Timestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_01)
    }

    @Test(arguments: ["", "2023-02-29", "2021-13-01", "2021-08-06T17:50:50", "yesterday", "2021-08-06T25:00:00Z"])
    func rejectsOtherText(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func cosignZeroTimeParsesAndFormats() throws {
        let date = try #require(Timestamp.parse("0001-01-01T00:00:00Z"))
        #expect(Timestamp.format(date) == "0001-01-01T00:00:00Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_628_272_250.52)) == "2021-08-06T17:50:50Z")
    }

    @Test func scanAgesParse() throws {
        #expect(try ScanAge("7d").seconds == 604_800)
        #expect(try ScanAge("24h").seconds == 86_400)
        #expect(try ScanAge("90m").seconds == 5_400)
        #expect(try ScanAge("1d12h").seconds == 129_600)
        for bad in ["7", "d", "7x", "-1d", "0d", ""] {
            #expect(throws: AdmissionError.self) { try ScanAge(bad) }
        }
        #expect(ScanAge.describe(9 * 86_400 + 3 * 3600) == "9d3h")
    }
}
