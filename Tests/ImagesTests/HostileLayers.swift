import Foundation

@testable import Images

/// One tar entry of a hand-made (possibly hostile) layer.
struct TarEntry: Encodable {
    var name: String
    var type = "file"  // file, dir, symlink, hardlink, chr, blk, fifo
    var data = ""
    var linkname = ""
    var mode = 0o644

    static func file(_ name: String, _ data: String = "x", mode: Int = 0o644) -> TarEntry { TarEntry(name: name, data: data, mode: mode) }
    static func dir(_ name: String) -> TarEntry { TarEntry(name: name, type: "dir", mode: 0o755) }
    static func symlink(_ name: String, to target: String) -> TarEntry { TarEntry(name: name, type: "symlink", linkname: target, mode: 0o777) }
    static func hardlink(_ name: String, to target: String) -> TarEntry { TarEntry(name: name, type: "hardlink", linkname: target) }
}

/// Writes a tar with Python's tarfile, which writes exactly the names it is given (`..`, absolute paths and all).
func writeTar(_ entries: [TarEntry], to url: URL, gzip: Bool = true) throws {
    let spec = String(decoding: try JSONEncoder().encode(entries), as: UTF8.self)
    let script = """
        import io, json, sys, tarfile
        entries = json.loads(sys.stdin.read())
        kinds = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                 "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}
        with tarfile.open(sys.argv[1], "w:gz" if sys.argv[2] == "1" else "w", format=tarfile.PAX_FORMAT) as tar:
            for e in entries:
                info = tarfile.TarInfo(e["name"])
                info.type = kinds[e["type"]]
                info.mode = e["mode"]
                info.linkname = e["linkname"]
                info.mtime = 1700000000
                data = e["data"].encode()
                info.size = len(data) if e["type"] == "file" else 0
                tar.addfile(info, io.BytesIO(data) if e["type"] == "file" else None)
        """
    let result = try run("/usr/bin/python3", ["-c", script, url.path, gzip ? "1" : "0"], input: spec)
    guard result.status == 0 else { throw ImageError.archive(path: url.path, message: result.output) }
}

/// Writes a gzip-compressed tar holding one `megabytes` MiB file of zeros, `zeros`, as concatenated gzip
/// members (a valid gzip stream: `gzip -d` and libarchive read every member), so the test makes a
/// 1.1 GB bomb in milliseconds instead of compressing 1.1 GB.
func writeGzipBomb(to url: URL, megabytes: Int) throws {
    let script = """
        import gzip, sys, tarfile
        size = int(sys.argv[2]) << 20
        info = tarfile.TarInfo("zeros"); info.size = size; info.mode = 0o644; info.mtime = 1700000000
        megabyte = gzip.compress(bytes(1 << 20), 9, mtime=0)
        with open(sys.argv[1], "wb") as out:
            out.write(gzip.compress(info.tobuf(format=tarfile.PAX_FORMAT), 9, mtime=0))
            for _ in range(size >> 20):
                out.write(megabyte)
            out.write(gzip.compress(bytes(1024), 9, mtime=0))
        """
    let result = try run("/usr/bin/python3", ["-c", script, url.path, String(megabytes)])
    guard result.status == 0 else { throw ImageError.archive(path: url.path, message: result.output) }
}
