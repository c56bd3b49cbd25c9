#!/usr/bin/env python3
"""Load for securerun's admission webhook: AdmissionReviews POSTed over TLS with keep-alive.

usage: webhook-load.py URL CA_FILE REVIEW_FILE RATE SECONDS CONNECTIONS

CONNECTIONS keep-alive connections share RATE requests per second, paced (each connection sends at
RATE/CONNECTIONS, on a schedule, so a slow answer does not lower the offered load). Prints JSON: requests,
errors (no answer, a connection failure), wrong (an answer that is not the expected allowed review), and
the latency percentiles in seconds.
"""
import http.client
import json
import ssl
import sys
import threading
import time
import urllib.parse

url, ca, review_file, rate, seconds, connections = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
target = urllib.parse.urlsplit(url)
body = open(review_file, "rb").read()
context = ssl.create_default_context(cafile=ca)
lock = threading.Lock()
stats = {"requests": 0, "errors": 0, "wrong": 0}
latencies = []
start = time.monotonic() + 0.5
deadline = start + seconds


def worker(index):
    interval = connections / rate
    connection = None
    due = start + interval * index / connections
    while due < deadline:
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        began = time.monotonic()
        outcome = "ok"
        try:
            if connection is None:
                connection = http.client.HTTPSConnection(target.hostname, target.port, context=context, timeout=10)
            connection.request("POST", target.path + "?timeout=10s", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200 or json.loads(answer)["response"].get("allowed") is not True:
                outcome = "wrong"
        except Exception:
            outcome = "errors"
            connection = None
        elapsed = time.monotonic() - began
        with lock:
            stats["requests"] += 1
            latencies.append(elapsed)
            if outcome != "ok":
                stats[outcome] += 1
        due += interval


threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ordered = sorted(latencies) or [0]
stats.update({
    "rate": rate, "seconds": seconds, "connections": connections,
    "p50": ordered[len(ordered) // 2], "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], "max": ordered[-1],
})
json.dump(stats, sys.stdout)
