import Foundation
import TestSupport
import Testing

@testable import Seccomp

/// Loads the shipped profile's BPF into a child process (through python3's ctypes: prctl no_new_privs then
/// PR_SET_SECCOMP) and runs real programs under it, so "shells and interpreters run, escapes are denied" is
/// checked against the kernel rather than against the JSON. No root needed.
@Suite struct EnforcementTests {
    static let loader = """
        import ctypes, os, sys
        prog = open(sys.argv[1], 'rb').read()
        libc = ctypes.CDLL(None, use_errno=True)
        class SockFprog(ctypes.Structure):
            _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]
        buf = ctypes.create_string_buffer(prog, len(prog))
        fprog = SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
        if libc.prctl(38, 1, 0, 0, 0) != 0:
            sys.exit(90)
        if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:
            print('seccomp load failed:', os.strerror(ctypes.get_errno()))
            sys.exit(91)
        os.execv(sys.argv[2], sys.argv[2:])
        """

    struct Outcome {
        var status: Int32
        var output: String
    }

    /// Runs `arguments` under `program` (the shipped default profile's BPF when nil); nil (after saying why)
    /// when python3 is missing.
    static func runConfined(_ arguments: [String], program: [UInt8]? = nil) throws -> Outcome? {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            let reason = "python3 is not installed (apt-get install python3); cannot load a seccomp filter into a child"
            TestRun.skip(reason)
            return nil
        }
        let program = try program ?? Fixture.shippedDefaultResolved().bpfProgram()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-seccomp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bpf = directory.appendingPathComponent("filter.bpf")
        let script = directory.appendingPathComponent("load.py")
        try Data(program).write(to: bpf)
        try Data(loader.utf8).write(to: script)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, bpf.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self))
    }

    @Test func shellRunsUnderTheShippedProfile() throws {
        guard let outcome = try Self.runConfined(["/bin/sh", "-c", "echo hello; ls / > /dev/null && grep '^Seccomp:' /proc/self/status"]) else { return }
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("hello"))
        #expect(outcome.output.contains("Seccomp:\t2"))
    }

    @Test func interpreterWithThreadsAndASocketServerRuns() throws {
        // pthread_create tries clone3 first; the profile answers ENOSYS so glibc falls back to clone.
        let code = """
            import socket, threading
            s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
            t = threading.Thread(target=lambda: print('thread ok')); t.start(); t.join()
            print('listening', s.getsockname()[1] > 0)
            """
        guard let outcome = try Self.runConfined(["/usr/bin/python3", "-c", code]) else { return }
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("thread ok"))
        #expect(outcome.output.contains("listening True"))
    }

    @Test(arguments: [
        // A new user namespace is where unprivileged container escapes get their capabilities.
        ("unshare", "import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.unshare(0x10000000), ctypes.get_errno())"),
        // mount(2) is the classic way to reach host filesystems. The target does not exist, so if the filter
        // ever let it through the test would see ENOENT (2) and change nothing on the host.
        (
            "mount",
            "import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.mount(b'none', b'/nonexistent-securerun', b'tmpfs', 0, None), ctypes.get_errno())"
        ),
        // ptrace lets one process read and rewrite another's memory.
        ("ptrace", "import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.ptrace(0, 0, None, None), ctypes.get_errno())"),
        // keyctl reaches the kernel keyring, which is not namespaced.
        ("keyctl", "import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.syscall(250, 0, 0, 0, 0), ctypes.get_errno())"),
    ])
    func escapeSyscallsFailWithEPERM(name: String, code: String) throws {
        guard let outcome = try Self.runConfined(["/usr/bin/python3", "-c", code]) else { return }
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines) == "-1 1", "\(name): \(outcome.output)")
    }

    @Test func exportedProgramMatchesTheInstructionCount() throws {
        let filter = try Fixture.shippedDefaultResolved()
        #expect(try filter.bpfProgram().count == filter.compile() * 8)
    }
}
