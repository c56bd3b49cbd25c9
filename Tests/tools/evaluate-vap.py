#!/usr/bin/env python3
"""Evaluates an exported ValidatingAdmissionPolicy's CEL (with cel-python) against the exported pod and
against that pod with one thing loosened at a time, and checks that the pod is admitted and each loosened
one is denied by the check of the expected rule. Kubernetes' quantity() and compareTo() are not in
cel-python: they are stood in for here by a plain parser of the quantities the export writes.

usage: evaluate-vap.py POLICY.yaml WORKLOAD.yaml   (prints one line per case; exit 1 on a wrong decision)
"""
import copy
import re
import sys

import celpy
import yaml
from celpy import celtypes

UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9, "m": 0.001, "": 1}


def quantity(text):
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|m|)", str(text))
    if not match:
        raise ValueError(f"not a quantity: {text}")
    return celtypes.DoubleType(float(match.group(1)) * UNITS[match.group(2)])


def compare_to(left, right):
    return celtypes.IntType((left > right) - (left < right))


FUNCTIONS = {"quantity": quantity, "compareTo": compare_to}


def denials(policy, pod):
    env = celpy.Environment()
    activation = {"object": celpy.json_to_cel(pod)}
    variables = {}
    for variable in policy["spec"].get("variables", []):
        program = env.program(env.compile(variable["expression"]), functions=FUNCTIONS)
        variables[celtypes.StringType(variable["name"])] = program.evaluate(activation)
    activation["variables"] = celtypes.MapType(variables)
    denied = []
    for validation in policy["spec"]["validations"]:
        program = env.program(env.compile(validation["expression"]), functions=FUNCTIONS)
        result = program.evaluate(activation)
        if not isinstance(result, celtypes.BoolType):
            raise SystemExit(f"a check did not evaluate to a bool ({result!r}): {validation['expression']}")
        if not result:
            denied.append(validation["message"])
    return denied


def container(pod):
    return pod["spec"]["containers"][0]


def security(pod):
    return container(pod)["securityContext"]


def set_in(mapping, path, value):
    for key in path[:-1]:
        mapping = mapping.setdefault(key, {})
    mapping[path[-1]] = value


def ephemeral_privileged(pod):
    debug = {k: copy.deepcopy(v) for k, v in container(pod).items() if k not in ("resources", "volumeMounts")}
    debug["name"] = "debugger"
    debug["securityContext"]["privileged"] = True
    pod["spec"]["ephemeralContainers"] = [debug]


def init_as_root(pod):
    init = copy.deepcopy(container(pod))
    init["name"] = "init"
    init["securityContext"]["runAsUser"] = 0
    pod["spec"]["initContainers"] = [init]


def no_seccomp(pod):
    del pod["spec"]["securityContext"]["seccompProfile"]
    del security(pod)["seccompProfile"]


CASES = [
    ("privileged", "SR009", lambda p: set_in(security(p), ["privileged"], True)),
    ("container runs as uid 0", "SR001", lambda p: set_in(security(p), ["runAsUser"], 0)),
    ("pod runs as uid 0", "SR001", lambda p: set_in(p["spec"]["securityContext"], ["runAsUser"], 0)),
    ("runAsNonRoot false", "SR001", lambda p: set_in(security(p), ["runAsNonRoot"], False)),
    ("init container as root", "SR001", init_as_root),
    ("added SYS_ADMIN", "SR002", lambda p: set_in(security(p), ["capabilities", "add"], ["SYS_ADMIN"])),
    ("ALL not dropped", "SR002", lambda p: set_in(security(p), ["capabilities", "drop"], ["NET_RAW"])),
    ("writable root", "SR003", lambda p: set_in(security(p), ["readOnlyRootFilesystem"], False)),
    ("privilege escalation", "SR004", lambda p: set_in(security(p), ["allowPrivilegeEscalation"], True)),
    ("no seccomp profile", "SR005", no_seccomp),
    ("seccomp Unconfined", "SR005", lambda p: set_in(security(p), ["seccompProfile"], {"type": "Unconfined"})),
    ("another Localhost profile", "SR005", lambda p: set_in(security(p), ["seccompProfile"], {"type": "Localhost", "localhostProfile": "lax.json"})),
    ("memory above the profile", "SR006", lambda p: set_in(container(p), ["resources", "limits", "memory"], "64Gi")),
    ("no memory limit", "SR006", lambda p: container(p)["resources"]["limits"].pop("memory")),
    ("cpu above the profile", "SR007", lambda p: set_in(container(p), ["resources", "limits", "cpu"], "64")),
    ("hostPath /", "SR010", lambda p: p["spec"].setdefault("volumes", []).append({"name": "host", "hostPath": {"path": "/"}})),
    ("emptyDir on disk", "SR011", lambda p: p["spec"].setdefault("volumes", []).append({"name": "disk", "emptyDir": {}})),
    ("emptyDir too large", "SR011", lambda p: p["spec"].setdefault("volumes", []).append({"name": "big", "emptyDir": {"medium": "Memory", "sizeLimit": "64Gi"}})),
    ("hostNetwork", "SR012", lambda p: set_in(p["spec"], ["hostNetwork"], True)),
    ("unmasked /proc", "SR013", lambda p: set_in(security(p), ["procMount"], "Unmasked")),
    ("hostPID", "SR015", lambda p: set_in(p["spec"], ["hostPID"], True)),
    ("hostPort", "SR026", lambda p: set_in(container(p), ["ports"], [{"containerPort": 80, "hostPort": 80}])),
    ("image by tag", "image-digest", lambda p: set_in(container(p), ["image"], "busybox:1.36")),
    ("privileged ephemeral container", "SR009", ephemeral_privileged),
]


def main():
    policy = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d["kind"] == "ValidatingAdmissionPolicy")
    workload = next(d for d in yaml.safe_load_all(open(sys.argv[2])) if d["kind"] != "NetworkPolicy")
    if workload["kind"] != "Pod":
        raise SystemExit("give a Pod")
    wrong = 0
    denied = denials(policy, workload)
    print(f"exported pod: {'admitted' if not denied else 'DENIED ' + '; '.join(denied)}")
    wrong += bool(denied)
    for name, rule, loosen in CASES:
        pod = copy.deepcopy(workload)
        loosen(pod)
        denied = denials(policy, pod)
        ok = any(f"[{rule}" in message for message in denied)
        wrong += not ok
        print(f"{name}: {'denied' if ok else 'WRONG'} ({'; '.join(denied) or 'admitted'})")
    print(f"{wrong} wrong decisions")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
