import ArgumentParser
import Foundation
import Images

/// `securerun image inspect`: everything the store knows about one image, as JSON.
struct ImageInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show an image's names, digests, manifest, config and layers as JSON.")

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var reference: String

    func run() async throws {
        try await reportingErrors {
            let store = try openImageStore()
            let image = try store.resolve(reference)
            let manifest = try JSONSerialization.jsonObject(with: store.manifestData(image))
            let config = try JSONSerialization.jsonObject(with: store.configData(image))
            let layers = (manifest as? [String: Any])?["layers"] ?? []
            var object: [String: Any] = [
                "names": image.names,
                "manifestDigest": image.manifestDigest,
                "configDigest": image.configDigest,
                "manifest": manifest,
                "config": config,
                "layers": layers,
                "rootfs": image.rootfs.path,
                "size": image.size,
            ]
            object["source"] = image.source
            object["registry"] = image.registry
            object["imported"] = image.imported
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
