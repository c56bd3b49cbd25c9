import Foundation

extension ImageStore {
    /// Imports an OCI layout directory, OCI archive or docker-save tar (detected from its content).
    public func importImage(at path: URL, tag: String?, platform: Platform = .linuxAMD64, keepSetuid: Bool = false) throws(ImageError) -> StoredImage {
        throw .unknownFormat(path: path.path)
    }
}
