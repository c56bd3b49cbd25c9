import ContentDigest
import Crypto

/// Streams bytes into SHA-256 while counting them.
struct HashingCounter {
    private var hasher = SHA256()
    private(set) var count: Int64 = 0

    mutating func update(_ buffer: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: buffer)
        count += Int64(buffer.count)
    }

    func finalize() -> ContentDigest.Digest { ContentDigest.Digest(hex: hasher.finalize().hexString) }
}
