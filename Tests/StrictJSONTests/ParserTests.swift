import Foundation
import Testing

@testable import StrictJSON

@Suite("strict JSON: one reading of every document")
struct ParserTests {
    func parse(_ text: String, limits: JSONLimits = .default) throws(JSONError) -> JSONNode {
        try JSONParser.parse(Array(text.utf8), limits: limits)
    }

    @Test("values, escapes, nesting and positions")
    func values() throws {
        let node = try parse("{\n  \"a\": [1, -0.5e3, true, false, null],\n  \"b\": \"x\\u00e9\\ud83d\\ude00\\n\\\"\"\n}")
        #expect(node.value["a"]?.value.elements?.map(\.value) == [.number("1"), .number("-0.5e3"), .bool(true), .bool(false), .null])
        #expect(node.value["b"]?.value.string == "x\u{e9}\u{1F600}\n\"")
        #expect(node.value["b"]?.position == JSONPosition(line: 3, column: 8, offset: 48))
        #expect(node.value.members?.map(\.key) == ["a", "b"])
    }

    // The attack: `"Results": []` first and a CRITICAL finding in a second `"Results"`; securerun used to read
    // the first, jq and Python the last.
    @Test(
        "duplicate keys are refused at any depth, however the key is escaped",
        arguments: [
            #"{"Results": [], "Results": [{"Severity": "CRITICAL"}]}"#,
            #"{"a": {"subject": 1, "subject": 2}}"#,
            #"[{"predicateType": "x", "predicate\u0054ype": "y"}]"#,
            #"{"k": 1, "k": 1}"#,
        ])
    func duplicateKeys(text: String) {
        #expect(throws: JSONError.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            guard case .duplicateKey = error else {
                Issue.record("expected duplicateKey, got \(error)")
                return
            }
            #expect(error.description.contains("duplicate key"))
        }
    }

    @Test(
        "what RFC 8259 does not allow is refused with a position",
        arguments: [
            "", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "+1", "1e", "NaN", "Infinity", "'a'", "{a:1}",
            "\"tab\tin string\"", "\"\\x41\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud800\\u0041\"", "[1] [2]", "true false",
            "\u{feff}{}", "{\"a\" 1}", "[1 2]", "nul", "\"unterminated",
        ])
    func refused(text: String) {
        #expect(throws: JSONError.self) { try parse(text) }
    }

    @Test("invalid UTF-8 inside a string is refused, not replaced")
    func invalidUTF8() {
        let bytes: [UInt8] = Array("{\"a\": \"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
        #expect(throws: JSONError.self) { try JSONParser.parse(bytes) }
        let overlong: [UInt8] = [0x22, 0xC0, 0xAF, 0x22]
        #expect(throws: JSONError.self) { try JSONParser.parse(overlong) }
    }

    // The attack: a 200,000-level document crashed the old reader with SIGSEGV.
    @Test("deep nesting is an error, not a stack overflow")
    func deepNesting() throws {
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        do {
            _ = try parse(deep)
            Issue.record("a 200,000-level document was accepted")
        } catch {
            guard case .tooDeep(_, let limit) = error else {
                Issue.record("expected tooDeep, got \(error)")
                return
            }
            #expect(limit == JSONLimits.default.maxDepth)
        }
        let objects = String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100)
        #expect(throws: JSONError.self) { try parse(objects) }
        _ = try parse(objects, limits: JSONLimits(maxBytes: 1 << 20, maxDepth: 100))
    }

    @Test("documents over the size limit are refused before parsing")
    func sizeLimit() {
        let text = "[" + String(repeating: "1,", count: 1000) + "1]"
        #expect(throws: JSONError.tooLarge(bytes: text.utf8.count, limit: 100)) {
            try parse(text, limits: JSONLimits(maxBytes: 100, maxDepth: 10))
        }
    }

    @Test("error messages name the line and column")
    func messages() {
        do {
            _ = try parse("{\n  \"a\": 1,\n  \"a\": 2\n}")
        } catch {
            #expect(error.description == "duplicate key \"a\" at line 3, column 3 (first at line 2, column 3); a document must say each field once")
        }
        do {
            _ = try parse("[1,\n 2,,]")
        } catch {
            #expect(error.description == "not valid JSON at line 2, column 4: unexpected ',' where a value should be")
        }
    }
}
