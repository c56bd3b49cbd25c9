#!/usr/bin/env python3
"""Bounded throughput measurements for the network tests (issue 11).

recv ADDR PORT BYTES COUNT: listen on ADDR:PORT (waiting up to 30 s for ADDR to exist), accept COUNT
    connections one after another, read BYTES from each, and print each one's rate in bit/s, timed from
    its first byte to its last.
send ADDR PORT BYTES COUNT: connect COUNT times to ADDR:PORT (retrying up to 30 s), send BYTES, and wait
    for the peer's "done" (it has read them all); print each rate in bit/s.
Every socket has a 60 s timeout, so nothing hangs a test.
"""
import socket
import sys
import time


def recv(addr, port, size, count):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    deadline = time.time() + 30
    while True:
        try:
            server.bind((addr, port))
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
    server.listen(4)
    server.settimeout(60)
    print("listening", flush=True)
    for _ in range(count):
        conn, _ = server.accept()
        conn.settimeout(60)
        got, first = 0, None
        while got < size:
            chunk = conn.recv(65536)
            if not chunk:
                break
            if first is None:
                first = time.monotonic()
            got += len(chunk)
        end = time.monotonic()
        conn.close()
        if got < size or first is None or end <= first:
            print(f"short {got}", flush=True)
        else:
            print(f"rate {int(got * 8 / (end - first))}", flush=True)


def send(addr, port, size, count):
    for _ in range(count):
        deadline = time.time() + 30
        while True:
            conn = socket.socket()
            conn.settimeout(60)
            try:
                conn.connect((addr, port))
                break
            except OSError:
                conn.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
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
    (recv if mode == "recv" else send)(addr, port, size, count)
