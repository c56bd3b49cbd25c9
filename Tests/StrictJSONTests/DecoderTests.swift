import Foundation
import Testing

@testable import StrictJSON

@Suite("strict JSON: Codable decoding")
struct DecoderTests {
    struct Report: Decodable, Equatable {
        struct Finding: Decodable, Equatable {
            var id: String
            var score: Double?
            var count: Int64
        }
        var name: String
        var findings: [Finding]
        var tags: [String: String]?
        var flag: Bool
        var link: URL?
        var blob: Data?
    }

    let decoder = StrictJSONDecoder()

    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try decoder.decode(type, from: Array(text.utf8))
    }

    @Test("decodes what Foundation's JSONDecoder decodes, the same way")
    func sameAsFoundation() throws {
        let text = #"""
            {"name": "r", "findings": [{"id": "CVE-1", "score": 9.8, "count": 3}, {"id": "CVE-2", "score": null, "count": -1}],
             "tags": {"a": "b"}, "flag": true, "link": "https://example.invalid/x", "blob": "aGk=", "extra": {"ignored": [1, 2]}}
            """#
        let strict = try decode(Report.self, text)
        let foundation = try JSONDecoder().decode(Report.self, from: Data(text.utf8))
        #expect(strict == foundation)
        #expect(strict.blob == Data("hi".utf8))
    }

    @Test("a missing field, a wrong type and an inexact integer name the field and its position")
    func fieldErrors() throws {
        func message(_ text: String) -> String {
            do {
                _ = try decode(Report.self, text)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(message(#"{"findings": [], "flag": true}"#) == "field (document) (line 1, column 1): required field name is missing")
        #expect(
            message(#"{"name": "r", "flag": true, "findings": [{"id": 7, "count": 1}]}"#)
                == "field findings[0].id (line 1, column 49): expected a string, found a number")
        #expect(
            message(#"{"name": "r", "flag": true, "findings": [{"id": "x", "count": 1.5}]}"#)
                == "field findings[0].count (line 1, column 63): expected a whole number, found 1.5")
        #expect(
            message(#"{"name": "r", "flag": true, "findings": [{"id": "x", "count": 99999999999999999999}]}"#)
                .contains("out of range"))
        #expect(message(#"{"name": null, "flag": true, "findings": []}"#).contains("field name"))
    }

    @Test("duplicate keys refuse the whole document even where the type ignores the key")
    func duplicatesInIgnoredFields() {
        #expect(throws: JSONError.self) {
            try decode(Report.self, #"{"name": "r", "flag": true, "findings": [], "extra": 1, "extra": 2}"#)
        }
    }
}
