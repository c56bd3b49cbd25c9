import CHostSystem
import Dispatch
import Foundation
import HostSystem

/// Relays a container's terminal (the pty master) to the caller's: the caller's terminal in raw mode
/// while it runs (with `-i`), window size changes forwarded, and the caller's mode restored on every exit
/// path that runs code. The container never holds the caller's terminal, only its own pty.
public final class TerminalRelay: @unchecked Sendable {
    private let master: Int32
    private var saved: termios?
    private let input: Int32?
    private var winch: (any DispatchSourceSignal)?
    private let output: Relay

    private let resize: (@Sendable (UInt16, UInt16) -> Void)?

    /// Starts relaying `master` to stdout and, with `interactive`, stdin to `master`. `pending` is output
    /// already read from it; `resize` sets the container's size where `master` is no pty (the docker backend).
    public init(master: Int32, interactive: Bool, pending: [UInt8] = [], resize: (@Sendable (UInt16, UInt16) -> Void)? = nil) {
        self.master = master
        self.resize = resize
        input = interactive ? 0 : nil
        if interactive, isatty(0) == 1 {
            var mode = termios()
            if tcgetattr(0, &mode) == 0 {
                saved = mode
                var raw = mode
                cfmakeraw(&raw)
                tcsetattr(0, TCSANOW, &raw)
            }
        }
        Self.copyWindowSize(to: master, resize: resize)
        if !pending.isEmpty { _ = pending.withUnsafeBytes { write(1, $0.baseAddress, $0.count) } }
        output = Relay.copy(from: master, to: 1)
        if let input {
            Relay.copy(from: input, to: master)
        }
        signal(SIGWINCH, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
        source.setEventHandler { Self.copyWindowSize(to: master, resize: resize) }
        source.resume()
        winch = source
    }

    /// The caller's window size (from stdin or stdout, whichever is a terminal) onto `master`.
    static func copyWindowSize(to master: Int32, resize: (@Sendable (UInt16, UInt16) -> Void)?) {
        var rows: UInt16 = 0
        var columns: UInt16 = 0
        for fd: Int32 in [0, 1] where sr_get_window_size(fd, &rows, &columns) == 0 {
            if let resize { resize(rows, columns) } else { _ = sr_set_window_size(master, rows, columns) }
            return
        }
    }

    /// Waits for the container side to close (every process on the pty gone), then restores the caller's terminal.
    public func finish() {
        output.wait()
        restore()
    }

    /// Puts the caller's terminal back as it was; safe to call more than once.
    public func restore() {
        winch?.cancel()
        winch = nil
        if var mode = saved {
            tcsetattr(0, TCSANOW, &mode)
            saved = nil
        }
    }

    deinit { restore() }
}
