import Foundation

/// How much an image may expand into when it is stored: bounds that stop decompression bombs and
/// inode floods before they fill the host's disk. Checked while bytes stream (hashing a layer for its
/// diff_id, unpacking it, reading an archive), never afterwards, so a bomb is never decompressed in full.
public struct UnpackLimits: Sendable, Equatable {
    /// Bytes of uncompressed layer streams per image (profile `store.maxUnpackedSize`).
    public var maxImageBytes: Int64
    /// Tar entries (files, directories, links) per image (profile `store.maxFiles`).
    public var maxEntries: Int64
    /// A layer may expand to this many times its compressed size (profile `store.maxExpansionRatio`) …
    public var maxExpansionRatio: Int64
    /// … or to this many bytes, whichever is larger, so small, very compressible layers still work
    /// (profile `store.expansionAllowance`).
    public var expansionAllowance: Int64

    /// Limits with the given values.
    public init(maxImageBytes: Int64, maxEntries: Int64, maxExpansionRatio: Int64, expansionAllowance: Int64) {
        self.maxImageBytes = maxImageBytes
        self.maxEntries = maxEntries
        self.maxExpansionRatio = maxExpansionRatio
        self.expansionAllowance = expansionAllowance
    }

    /// 16 GiB, 500,000 entries, 100× or 128 MiB: real images stay far below (README, "Image store"),
    /// and the 2.1 MB layer that expands to 1.1 GB (500×) is refused after 210 MB.
    public static let `default` = UnpackLimits(
        maxImageBytes: 16 << 30, maxEntries: 500_000, maxExpansionRatio: 100, expansionAllowance: 128 << 20)

    /// The most a layer of `compressedBytes` may expand to.
    public func layerCap(compressedBytes: Int64) -> Int64 {
        let (product, overflow) = compressedBytes.multipliedReportingOverflow(by: maxExpansionRatio)
        return max(expansionAllowance, overflow ? Int64.max : product)
    }
}

/// Which limit an image hit.
public enum UnpackLimit: String, Sendable, Equatable {
    /// `store.maxUnpackedSize`.
    case imageBytes = "store.maxUnpackedSize"
    /// `store.maxFiles`.
    case entries = "store.maxFiles"
    /// `store.maxExpansionRatio` (with `store.expansionAllowance`).
    case expansion = "store.maxExpansionRatio"
}

/// Counts one image's bytes and entries against its limits as they stream; throws at the first byte over.
struct UnpackBudget {
    let limits: UnpackLimits
    private(set) var imageBytes: Int64 = 0
    private(set) var entries: Int64 = 0
    private var layer = ""
    private var layerBytes: Int64 = 0
    private var layerCompressed: Int64 = 0
    private var layerCap: Int64 = .max

    init(limits: UnpackLimits) { self.limits = limits }

    /// Starts counting a layer `name` whose file is `compressedBytes` long.
    mutating func startLayer(_ name: String, compressedBytes: Int64) {
        layer = name
        layerBytes = 0
        layerCompressed = compressedBytes
        layerCap = limits.layerCap(compressedBytes: compressedBytes)
    }

    /// Counts `count` more uncompressed bytes of the current layer.
    mutating func add(bytes count: Int) throws(ImageError) {
        try advance(to: layerBytes + Int64(count))
    }

    /// Moves the current layer's uncompressed position to `position` (bytes read so far).
    mutating func advance(to position: Int64) throws(ImageError) {
        guard position > layerBytes else { return }
        imageBytes += position - layerBytes
        layerBytes = position
        if layerBytes > layerCap {
            throw .limitExceeded(layer: layer, limit: .expansion, detail: expansionDetail)
        }
        if imageBytes > limits.maxImageBytes {
            throw .limitExceeded(
                layer: layer, limit: .imageBytes,
                detail: "the image expands past \(Self.format(limits.maxImageBytes)) uncompressed (store.maxUnpackedSize \(Self.format(limits.maxImageBytes)))")
        }
    }

    /// Counts one more tar entry.
    mutating func addEntry() throws(ImageError) {
        entries += 1
        if entries > limits.maxEntries {
            throw .limitExceeded(
                layer: layer, limit: .entries, detail: "the image has more than \(limits.maxEntries) entries (store.maxFiles \(limits.maxEntries))")
        }
    }

    private var expansionDetail: String {
        "it expands past \(Self.format(layerCap)) from \(Self.format(layerCompressed)) compressed (a layer may expand to \(limits.maxExpansionRatio) times "
            + "its compressed size, store.maxExpansionRatio, or to \(Self.format(limits.expansionAllowance)), store.expansionAllowance, whichever is larger)"
    }

    /// `210 MiB`, `1.1 GiB`, `512 KiB`, `900 B`.
    static func format(_ bytes: Int64) -> String {
        let units: [(String, Double)] = [("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024)]
        for (unit, size) in units where Double(bytes) >= size {
            let value = Double(bytes) / size
            return value >= 10 || value == value.rounded() ? "\(Int(value.rounded())) \(unit)" : "\(String(format: "%.1f", value)) \(unit)"
        }
        return "\(bytes) B"
    }
}
