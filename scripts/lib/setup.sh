# Shared set-up for scripts/demo, scripts/test and scripts/bench: install what is missing, build once.
# Sourced, not run. Needs root on a Debian machine (apt-get).

SECURERUN_APT_PACKAGES=(
  runc crun                       # OCI runtimes (crun is refused clearly on hybrid-cgroup hosts)
  libseccomp-dev libcap-dev       # syscall and capability names, seccomp compilation
  libarchive-dev                  # tar/gzip/zstd layer reading and writing
  busybox-static                  # the small local image the demo and tests build
  tini                            # the static init --init bind-mounts as PID 1
  iproute2 nftables procps        # private networking: ip/tc, the egress rules, per-namespace sysctls
  catatonit                       # the docker backend's network holder (a static pause process)
  jq
)
SECURERUN_TEST_APT_PACKAGES=(
  golang-github-opencontainers-specs-dev   # OCI runtime-spec JSON schema for --dry-run validation
  python3-jsonschema python3-venv python3-pip
  skopeo umoci docker-registry apache2-utils   # image fixtures, a real registry, htpasswd
  gcc zstd bsdutils            # zstd layers; script(1) for the terminal-progress test
  docker.io                    # a real dockerd for the docker backend and drop-in tests
  time util-linux              # /usr/bin/time (peak memory of a refused gzip bomb); setpriv (a local user)
  golang-github-containers-common   # Podman's /usr/share/containers/seccomp.json, linted by the lint tests
  docker-compose python3-docker     # clients of the engine plugin's second dockerd (compose up, the Python SDK)
  openssl curl                      # the admission webhook tests' self-signed certificate and their HTTPS client
)

log() { printf '==> %s\n' "$*" >&2; }

# Whether this is a CI run, where no test may skip: any CI value but empty, 0, false or no (any case).
# The tests decide with the same rule (Tests/TestSupport/TestRun.swift); a check for exactly "true" let
# CI=1 skip every integration test and pass.
under_ci() {
  local value=${CI:-}
  value=${value#"${value%%[![:space:]]*}"}
  value=${value%"${value##*[![:space:]]}"}
  case "${value,,}" in "" | 0 | false | no) return 1 ;; *) return 0 ;; esac
}

install_missing() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    if [ "$(id -u)" != 0 ]; then echo "securerun set-up: run as root to install ${missing[*]}" >&2; return 1; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Python test peers (PyPI) in a cached venv, so the system Python stays untouched.
SECURERUN_TEST_VENV=${SECURERUN_TEST_VENV:-/var/cache/securerun/test-venv}
install_python_peers() {
  # kubernetes-validate checks the exported Kubernetes objects against each version's schemas (the
  # Renderers tests run $SECURERUN_TEST_VENV/bin/kubernetes-validate; it brings PyYAML, which they use too);
  # cel-python evaluates the exported ValidatingAdmissionPolicy's CEL (Tests/tools/evaluate-vap.py).
  if [ ! -x "$SECURERUN_TEST_VENV/bin/python" ] || [ ! -x "$SECURERUN_TEST_VENV/bin/kubernetes-validate" ] \
    || ! "$SECURERUN_TEST_VENV/bin/python" -c 'import securesystemslib, cryptography, jsonschema, kubernetes_validate, yaml, celpy' 2>/dev/null; then
    log "installing Python test peers into $SECURERUN_TEST_VENV"
    python3 -m venv "$SECURERUN_TEST_VENV"
    "$SECURERUN_TEST_VENV/bin/pip" install -q --disable-pip-version-check "securesystemslib[crypto]" cryptography jsonschema kubernetes-validate cel-python
  fi
}

# Runs COMMAND… with its output (stderr too) filtered through `grep -Ev NOISE`, and returns COMMAND's own
# exit status. `COMMAND | grep … || true` then `[ "${PIPESTATUS[0]}" = 0 ]` cannot see a failure: under
# pipefail a failed command makes the pipeline fail, `true` runs, and PIPESTATUS then describes `true`.
filtered() {
  local -
  set -o pipefail
  local noise=$1 statuses=(0)
  shift
  "$@" 2>&1 | grep -Ev "$noise" || statuses=("${PIPESTATUS[@]}")
  return "${statuses[0]}"
}

build_securerun() {
  log "building securerun"
  # Only errors reach the user: progress lines, "Build complete" and a dependency's packaging warning
  # (swift-distributed-tracing ships CMakeLists.txt files SwiftPM does not know) are dropped.
  filtered "^\[[0-9]+/[0-9]+\]|^Building for|^Build complete|^warning: 'swift-distributed-tracing'|^ +/.*/\.build/checkouts/.*CMakeLists\.txt$" swift build "$@"
}

# A dockerd for the docker backend's tests: the running one, or one started here (no iptables: the tests
# use only network-none containers and loopback).
start_dockerd() {
  if docker_answers; then return 0; fi
  log "starting dockerd --iptables=false (log: /var/log/securerun-test-dockerd.log)"
  nohup dockerd --iptables=false >/var/log/securerun-test-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    if docker_answers; then return 0; fi
    sleep 0.5
  done
  echo "dockerd did not start; see /var/log/securerun-test-dockerd.log" >&2
  return 1
}

docker_answers() {
  [ -S /var/run/docker.sock ] && python3 - <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect("/var/run/docker.sock")
s.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
sys.exit(0 if b"OK" in s.recv(4096) else 1)
PY
}
