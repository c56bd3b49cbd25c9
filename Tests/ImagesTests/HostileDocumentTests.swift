import ContentDigest
import Foundation
import Testing

@testable import Images

/// Manifests, indexes and configs are read strictly: too deep, too large, or with a key given twice (two
/// readers could take different values from the same digest-pinned bytes), they are refused with one
/// error and nothing is stored.
@Suite struct HostileDocumentTests {
    /// A layout of a real image whose manifest blob is replaced by `manifest` (index.json points at it).
    func layout(withManifest manifest: Data, temp: TempDir) throws -> URL {
        let source = ImageStore(root: temp.path("source"))
        let image = try source.list().first ?? source.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        let layout = temp.path("layout")
        try exportLayout(image, from: source, to: layout)
        let digest = Digest.of(manifest)
        try manifest.write(to: layout.appendingPathComponent("blobs/sha256/\(digest.hex)"))
        let index =
            #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(digest)","size":\#(manifest.count)}]}"#
        try Data(index.utf8).write(to: layout.appendingPathComponent("index.json"))
        return layout
    }

    func importFails(_ layout: URL, temp: TempDir) -> String? {
        let store = ImageStore(root: temp.path("store"))
        do {
            _ = try store.importImage(at: layout, tag: "hostile")
            return nil
        } catch {
            #expect((try? store.list())?.isEmpty ?? true, "nothing may be stored")
            return "\(error)"
        }
    }

    @Test func manifestNested200000LevelsIsRefusedNotACrash() throws {
        let temp = TempDir()
        let deep = #"{"schemaVersion":2,"annotations":"# + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}"
        let message = importFails(try layout(withManifest: Data(deep.utf8), temp: temp), temp: temp)
        #expect(message?.hasSuffix("cannot parse Manifest: values nest more than 64 levels deep at line 1, column 97") == true, "\(message ?? "imported")")
    }

    @Test func manifestWithTwoConfigsIsRefusedSoNoReaderPicksADifferentOne() throws {
        let temp = TempDir()
        let source = ImageStore(root: temp.path("source"))
        let image = try source.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        let original = try String(decoding: source.manifestData(image), as: UTF8.self)
        // The same manifest, with a second "config" key added after the first.
        let doubled = original.replacingOccurrences(
            of: #","layers":"#, with: #","config":{"mediaType":"x","digest":"sha256:\#(String(repeating: "0", count: 64))","size":1},"layers":"#)
        #expect(doubled != original)
        let message = importFails(try layout(withManifest: Data(doubled.utf8), temp: temp), temp: temp)
        #expect(message?.contains("cannot parse Manifest: duplicate key \"config\"") == true, "\(message ?? "imported")")
    }

    @Test func oversizedIndexIsRefused() throws {
        let temp = TempDir()
        let source = ImageStore(root: temp.path("source"))
        let image = try source.importRootfs(directory: try makeSampleRootfs(in: temp), tag: "sample")
        let layout = temp.path("layout")
        try exportLayout(image, from: source, to: layout)
        let padded = #"{"schemaVersion":2,"manifests":[],"annotations":{"pad":""# + String(repeating: "x", count: 5 << 20) + "\"}}"
        try Data(padded.utf8).write(to: layout.appendingPathComponent("index.json"))
        let message = importFails(layout, temp: temp)
        #expect(
            message?.contains("cannot parse ImageIndex: document is \(padded.utf8.count) bytes, over the limit of 4194304 bytes") == true,
            "\(message ?? "imported")")
    }
}
