#!/usr/bin/env python3
"""Bounded throughput measurements for the network tests (issue 11) and scripts/bench.

fetch ADDR PORT BYTES COUNT: connect COUNT times to ADDR:PORT (retrying up to 30 s), read BYTES from the
    peer (which sends them once it accepts), and print each rate in bit/s.
send ADDR PORT BYTES COUNT: connect COUNT times to ADDR:PORT (retrying up to 30 s), send BYTES, and wait
    for the peer's "done" (it has read them all); print each rate in bit/s.

Each transfer is timed from before its first byte could leave the sender until its last byte arrived, so
a loaded host can only make a rate lower, never higher: a rate above a cap is the cap failing, not noise.
Every socket has a 60 s timeout, so nothing hangs a test.
"""
import socket
import sys
import time


def connect(addr, port):
    """A connected socket, and the time just before the connect that succeeded."""
    deadline = time.time() + 30
    while True:
        conn = socket.socket()
        conn.settimeout(60)
        start = time.monotonic()
        try:
            conn.connect((addr, port))
            return conn, start
        except OSError:
            conn.close()
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def fetch(addr, port, size, count):
    for _ in range(count):
        conn, start = connect(addr, port)
        got = 0
        while got < size:
            chunk = conn.recv(65536)
            if not chunk:
                break
            got += len(chunk)
        end = time.monotonic()
        conn.close()
        print(f"rate {int(got * 8 / (end - start))}" if got >= size else f"short {got}", flush=True)


def send(addr, port, size, count):
    for _ in range(count):
        conn, _ = connect(addr, port)
        start = time.monotonic()
        conn.sendall(b"\0" * size)
        reply = b""
        while b"done" not in reply:
            chunk = conn.recv(100)
            if not chunk:
                break
            reply += chunk
        end = time.monotonic()
        conn.close()
        print(f"rate {int(size * 8 / (end - start))}" if b"done" in reply else f"short {reply!r}", flush=True)


if __name__ == "__main__":
    mode, addr, port, size, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    {"fetch": fetch, "send": send}[mode](addr, port, size, count)
