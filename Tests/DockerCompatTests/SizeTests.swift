import Policy
import Testing

@testable import DockerCompat

/// Sizes are docker/go-units `RAMInBytes` (size.go, the hand-written parseSize): the expectations below are
/// its test table (size_test.go, TestRAMInBytes) plus the spellings people type, each with what Go computes.
@Suite("sizes: exactly docker's RAMInBytes")
struct SizeTests {
    static let kib: Int64 = 1024
    static let mib = kib * 1024
    static let gib = mib * 1024
    static let tib = gib * 1024
    static let pib = tib * 1024

    static let accepted: [(String, Int64)] = [
        // go-units size_test.go TestRAMInBytes
        ("32", 32), ("32b", 32), ("32B", 32), ("32k", 32 * kib), ("32K", 32 * kib), ("32kb", 32 * kib), ("32Kb", 32 * kib), ("32Kib", 32 * kib),
        ("32KIB", 32 * kib), ("32Mb", 32 * mib), ("32Gb", 32 * gib), ("32Tb", 32 * tib), ("32Pb", 32 * pib), ("32PB", 32 * pib), ("32P", 32 * pib),
        ("32.3", 32), ("32.3 mb", Int64(32.3 * Double(mib))), ("0.3MB", Int64(0.3 * Double(mib))),
        // what docker run lines use
        ("512m", 512 * mib), ("1g", gib), ("1.5g", Int64(1.5 * Double(gib))), ("64MiB", 64 * mib), ("512mb", 512 * mib), ("100M", 100 * mib),
        ("300M", 300 * mib), ("65536k", 64 * mib), ("2GB", 2 * gib), ("536870912", 536_870_912), (".5g", gib / 2), ("1.", 1), ("0", 0),
        // Go's ParseFloat spellings docker therefore accepts
        ("1e3", 1000), ("1e3k", 1000 * kib), ("32 ", 32), ("0x1p4", 16), ("+5m", 5 * mib), ("0x1_0p0m", 16 * mib),
    ]

    @Test("accepted as docker accepts them", arguments: accepted)
    func acceptedSizes(_ text: String, _ bytes: Int64) {
        #expect(ByteSize(parsing: text)?.bytes == bytes, "\(text)")
    }

    static let refused = [
        // go-units size_test.go: assertError
        "", "hello", "-32", " 32 ", "32m b", "32bm",
        // a unit without its b, two spaces, a bare i, a prefix-less unit, a list, hexadecimal without p
        "512Mi", "32  m", "32i", "m", "1.2.3", "0x10", "1_000", "inf", "NaN", "1e", "--1",
        // where Go's int64 conversion would overflow
        "9.3e18", "9999999p",
    ]

    @Test("refused as docker refuses them", arguments: refused)
    func refusedSizes(_ text: String) {
        #expect(ByteSize(parsing: text) == nil, "\(text) parsed as \(ByteSize(parsing: text).map(\.description) ?? "")")
    }

    @Test("the flag names the size as typed when it is refused")
    func refusalNamesTheFlag() {
        #expect(Parse.error(["--memory=512Mi", "img"])?.description.hasPrefix("invalid --memory=512Mi: expected a size such as 512m") == true)
        #expect(Parse.error(["--shm-size", "lots", "img"])?.origin?.typed == "--shm-size lots")
    }

    @Test("--memory-swap: -1 is unlimited, 0 is unset, anything else a size")
    func memorySwap() throws {
        #expect(try Parse.run(["--memory-swap", "-1", "img"]).request.memorySwap?.value == .unlimited)
        #expect(try Parse.run(["--memory-swap", "0", "img"]).request.memorySwap == nil)
        #expect(try Parse.run(["--memory-swap=1g", "img"]).request.memorySwap?.value == .limit(ByteSize(bytes: 1 << 30)))
        #expect(Parse.error(["--memory-swap", "-2", "img"]) != nil)
    }

    @Test("--tmpfs size= is the kernel's notation (65536k, 0x hex), not docker's")
    func tmpfsSizes() throws {
        #expect(try MountParsers.kernelSize("65536k").bytes == 64 << 20)
        #expect(try MountParsers.kernelSize("16M").bytes == 16 << 20)
        #expect(try MountParsers.kernelSize("0x100000").bytes == 1 << 20)
        #expect(throws: (any Error).self) { try MountParsers.kernelSize("50%") }
        #expect(throws: (any Error).self) { try MountParsers.kernelSize("1.5m") }
    }
}
