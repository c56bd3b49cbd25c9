import ContentDigest
import Foundation
import Testing

@testable import Images

/// The shared ustar writer: what it writes, other tar readers read back.
struct TarWriterTests {
    /// Writes entries to a file through the writer.
    func write(_ file: URL, _ body: (([UInt8]) throws(ImageError) -> Void) throws(ImageError) -> Void) throws {
        #expect(FileManager.default.createFile(atPath: file.path, contents: nil))
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        try body { bytes in handle.write(Data(bytes)) }
    }

    @Test func namesLongerThan100BytesGoThroughTheUstarPrefixAndGNUTarReadsThemBack() throws {
        let temp = TempDir()
        let blob = try temp.write("blob", "layer bytes\n")
        let long = "securerun/attestations/sha256-\(String(repeating: "a", count: 64))/\(String(repeating: "b", count: 64)).json"
        #expect(long.utf8.count > 100)
        let digest = Digest.of(try Data(contentsOf: blob))
        try write(temp.path("out.tar")) { (sink) throws(ImageError) in
            try TarWriter.directory("securerun", failure: { $0 }, write: sink)
            try TarWriter.bytes(long, Array("{}".utf8), failure: { $0 }, write: sink)
            try TarWriter.file("blobs/sha256/\(digest.hex)", path: blob.path, size: 12, digest: digest, failure: { $0 }, write: sink)
            try TarWriter.finish(write: sink)
        }
        let listed = try run("/usr/bin/tar", ["-tvf", temp.path("out.tar").path])
        #expect(listed.status == 0, "\(listed.output)")
        let lines = listed.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(listed.output)")
        #expect(lines[0].hasPrefix("drwxr-xr-x 0/0 ") && lines[0].hasSuffix(" securerun/"), "\(lines)")
        #expect(lines[1].hasPrefix("-rw-r--r-- 0/0 ") && lines[1].hasSuffix(" \(long)"), "\(lines)")
        #expect(lines[2].hasSuffix(" blobs/sha256/\(digest.hex)"), "\(lines)")
        let extracted = temp.path("extracted")
        try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
        #expect(try run("/usr/bin/tar", ["-xf", temp.path("out.tar").path, "-C", extracted.path]).status == 0)
        #expect(try String(contentsOf: extracted.appendingPathComponent("blobs/sha256/\(digest.hex)"), encoding: .utf8) == "layer bytes\n")
        #expect(try String(contentsOf: extracted.appendingPathComponent(long), encoding: .utf8) == "{}")
    }

    @Test func aBlobThatNoLongerMatchesItsDigestOrSizeIsNotWritten() throws {
        let temp = TempDir()
        let blob = try temp.write("blob", "altered bytes")
        let claimed = Digest.of(Data("original bytes".utf8))
        var written = 0
        #expect(throws: ImageError.self) {
            try TarWriter.file("x", path: blob.path, size: 13, digest: claimed, failure: { (error: ImageError) in error }) {
                (bytes: [UInt8]) throws(ImageError) in written += bytes.count
            }
        }
        #expect(throws: ImageError.sizeMismatch(what: "stored blob \(blob.path)", expected: 99, actual: 13)) {
            try TarWriter.file("x", path: blob.path, size: 99, failure: { (error: ImageError) in error }) { (_: [UInt8]) throws(ImageError) in }
        }
        let link = temp.path("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: blob)
        #expect(throws: ImageError.io(path: link.path, operation: "open", errno: ELOOP)) {
            try TarWriter.file("x", path: link.path, size: 13, failure: { (error: ImageError) in error }) { (_: [UInt8]) throws(ImageError) in }
        }
    }

    @Test func sizesBeyondUstarsElevenOctalDigitsUseBase256() throws {
        let header = try TarWriter.header("big", size: 1 << 36, directory: false)
        #expect(header[124] == 0x80)
        #expect(Array(header[131...135]) == [0x10, 0, 0, 0, 0])
        let small = try TarWriter.header("small", size: 0o777, directory: false)
        #expect(String(decoding: header.prefix(3), as: UTF8.self) == "big")
        #expect(String(decoding: small[124..<135], as: UTF8.self) == "00000000777")
        #expect(throws: ImageError.self) { try TarWriter.header(String(repeating: "x", count: 300), size: 0, directory: false) }
    }
}
