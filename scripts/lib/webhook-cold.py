#!/usr/bin/env python3
"""Cold reviews for securerun's admission webhook: each review names an image whose attestation the webhook
has never seen (its store has none), so the attestation is fetched from a local registry (cosign's
sha256-<hex>.att tag) before the decision.

usage: webhook-cold.py WEBHOOK_URL CA_FILE REGISTRY SECCOMP_FILE DIRECTORY

DIRECTORY holds N.digest (sha256:<hex>) and N.json (its signed envelope) for N = 1, 2, ...: every envelope is
pushed to REGISTRY (plain HTTP, repository bench/cold) first, untimed; then one review per digest is POSTed,
one after another on one keep-alive TLS connection, each a digest not seen before. Prints JSON: requests,
errors (no answer), wrong (an answer that is not an allowed review), and latency percentiles in seconds.
"""
import hashlib
import http.client
import json
import os
import ssl
import sys
import time
import urllib.parse

url, ca, registry, seccomp, directory = sys.argv[1:6]
repository = "bench/cold"
host, port = registry.rsplit(":", 1)


def push(path, body, content_type, method="PUT", expect=201):
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(method, path, body=body, headers={"Content-Type": content_type})
    response = connection.getresponse()
    response.read()
    if response.status != expect:
        sys.exit(f"webhook-cold: {method} {path} answered {response.status}")
    return response


def push_blob(data, media_type):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    started = push(f"/v2/{repository}/blobs/uploads/", b"", "application/octet-stream", method="POST", expect=202)
    location = started.getheader("Location")
    path = urllib.parse.urlsplit(location)
    target = path.path + "?" + (path.query + "&" if path.query else "") + "digest=" + digest
    push(target, data, "application/octet-stream")
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


numbers = sorted(int(name.split(".")[0]) for name in os.listdir(directory) if name.endswith(".digest"))
config = push_blob(b"{}", "application/vnd.oci.image.config.v1+json")
images = []
for number in numbers:
    digest = open(os.path.join(directory, f"{number}.digest")).read().strip()
    layer = push_blob(open(os.path.join(directory, f"{number}.json"), "rb").read(), "application/vnd.dsse.envelope.v1+json")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": config, "layers": [layer]})
    push(f"/v2/{repository}/manifests/sha256-{digest.split(':')[1]}.att", manifest.encode(), "application/vnd.oci.image.manifest.v1+json")
    images.append(f"{registry}/{repository}@{digest}")


def review(image):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cold", "namespace": "bench"}, "spec": {
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534,
                            "seccompProfile": {"type": "Localhost", "localhostProfile": seccomp}},
        "containers": [{"name": "app", "image": image, "command": ["true"],
                        "securityContext": {"readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}}]}}
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "cold", "resource": {"group": "", "version": "v1", "resource": "pods"}, "operation": "CREATE", "object": pod}}).encode()


target = urllib.parse.urlsplit(url)
context = ssl.create_default_context(cafile=ca)
stats = {"requests": 0, "errors": 0, "wrong": 0, "first_wrong": None}
latencies = []
connection = None
for image in images:
    body = review(image)
    began = time.monotonic()
    try:
        if connection is None:
            connection = http.client.HTTPSConnection(target.hostname, target.port, context=context, timeout=15)
        connection.request("POST", target.path + "?timeout=10s", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = response.read()
        if response.status != 200 or json.loads(answer)["response"].get("allowed") is not True:
            stats["wrong"] += 1
            stats["first_wrong"] = stats["first_wrong"] or answer.decode(errors="replace")[:500]
    except Exception as error:
        stats["errors"] += 1
        stats["first_wrong"] = stats["first_wrong"] or str(error)
        connection = None
    latencies.append(time.monotonic() - began)
    stats["requests"] += 1
latencies.sort()
stats["p50"] = latencies[len(latencies) // 2] if latencies else 0
stats["p99"] = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0
stats["max"] = latencies[-1] if latencies else 0
json.dump(stats, sys.stdout)
