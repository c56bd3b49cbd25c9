import Foundation
import Images

/// The state root, made root-only first (`ImageStore.secure()`): every command that uses the state root
/// gets it through this, so a store made by an older securerun is tightened by whichever command runs first.
func securedStateRoot() throws -> URL {
    let root = stateRoot()
    try ImageStore(root: root).secure()
    return root
}

/// The image store on the secured state root, after sweeping what interrupted imports, pulls and removals
/// left (one line on stderr says what went).
package func openImageStore(progress: (@Sendable (String) -> Void)? = nil, limits: UnpackLimits = .default) throws -> ImageStore {
    let store = ImageStore(root: try securedStateRoot(), progress: progress, limits: limits)
    let removed = store.sweep()
    if !removed.isEmpty {
        let shown = removed.prefix(4).joined(separator: ", ") + (removed.count > 4 ? ", …" : "")
        printError("removed \(removed.count) leftover\(removed.count == 1 ? "" : "s") of interrupted image operations (\(shown))")
    }
    return store
}
