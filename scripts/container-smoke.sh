#!/usr/bin/env bash
# Smoke test of the gateway as its container image runs it, without Docker.
#
# Builds the release binary with the Dockerfile's own build command and flags
# (a fully static binary), checks that it is static and that it plus the
# distroless/static base stays under the image size limit, then runs it the way
# the image does: in a chroot holding only the binary, /etc/passwd, /etc/group,
# /etc/nsswitch.conf, /etc/hosts, /etc/resolv.conf, the CA certificates and a
# writable /data (no /lib, no shared library at all), as uid/gid 65532, with
# the image's environment (HOST=0.0.0.0, PORT, LOG_FORMAT=json, DATA_DIR=/data)
# plus production-like settings, in a private network namespace with a small
# DNS server of its own. It checks: /health and /ready, the `healthcheck`
# subcommand (success, through a name from /etc/hosts and a name only the DNS
# server knows, and failure for an unknown name and when nothing listens),
# `check-config`, that `demo` (left out of the image) refuses at once, the
# store created under /data by uid 65532, JSON log lines
# with no secret in them, and a clean exit (status 0) on SIGTERM within the
# drain time.
#
# Needs root (chroot, network namespace) and iproute2, readelf, python3. It
# fails, rather than skips, where they are missing.
#
# Usage: scripts/container-smoke.sh
#   CARGO_TARGET_DIR   where cargo builds (default: <repo>/target)
#   SKIP_BUILD=1       use the existing release binary instead of building
#   SMOKE_STARTUP_SECONDS  how long to wait for /health (default 30)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# Keep these three in step with the Dockerfile's builder stage.
BUILD_TARGET=x86_64-unknown-linux-gnu
BUILD_RUSTFLAGS='-C target-feature=+crt-static -C link-arg=-Wl,-z,pack-relative-relocs --cfg getrandom_backend="linux_getrandom"'
BUILD_CMD=(cargo build --release --locked -p mcp-gateway --no-default-features --target "$BUILD_TARGET")
BIN="$TARGET_DIR/$BUILD_TARGET/release/mcp-gateway"
RUNTIME_BASE=gcr.io/distroless/static-debian12:nonroot
# The runtime base's unpacked size: distroless documents static-debian12 as
# "around 2 MiB"; its files (Debian bookworm's base-files, netbase, tzdata and
# media-types, plus the CA bundle) add up to about 2.0 MB (infra/README.md).
RUNTIME_BASE_BYTES=2097152
IMAGE_LIMIT_BYTES=30000000
DRAIN_SECONDS=25
STARTUP_SECONDS="${SMOKE_STARTUP_SECONDS:-30}"
NONROOT=65532
PORT=3000
HOSTS_NAME=gateway.hosts.test
DNS_NAME=gateway.dns.test
UNKNOWN_NAME=nowhere.dns.test

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
info() { echo "INFO: $*"; }

WORK="$(mktemp -d)"
NETNS=""
SERVER_PID=""
KEEPALIVE_PID=""
DNS_PID=""
# shellcheck disable=SC2329 # invoked by the EXIT trap
cleanup() {
  local pid
  for pid in "$KEEPALIVE_PID" "$DNS_PID"; do
    if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; fi
  done
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  for pid in "$KEEPALIVE_PID" "$DNS_PID" "$SERVER_PID"; do
    if [[ -n "$pid" ]]; then wait "$pid" 2>/dev/null || true; fi
  done
  if [[ -n "$NETNS" ]]; then ip netns del "$NETNS" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

finish() {
  echo "container-smoke: $PASSED passed, $FAILED failed"
  if [[ "$FAILED" -ne 0 ]]; then exit 1; fi
  exit 0
}

# ---- Build exactly as the image's build stage does -------------------------------
DOCKERFILE="$ROOT/Dockerfile"
if grep -qxF "ENV RUSTFLAGS='$BUILD_RUSTFLAGS'" "$DOCKERFILE"; then
  pass "the Dockerfile builds with RUSTFLAGS='$BUILD_RUSTFLAGS'"
else
  fail "the Dockerfile does not set ENV RUSTFLAGS='$BUILD_RUSTFLAGS': keep it and this script in step"
fi
# The builder picks its Rust target from the platform (TARGETARCH): this
# machine's target must be the one it maps amd64 to, and both cargo builds
# (dependency layer and binary) must be this script's command for that target.
if grep -qF "amd64) target=$BUILD_TARGET;" "$DOCKERFILE"; then
  pass "the Dockerfile builds $BUILD_TARGET for linux/amd64"
else
  fail "the Dockerfile does not map amd64 to $BUILD_TARGET: keep it and this script in step"
fi
# shellcheck disable=SC2016 # the Dockerfile's own text, expanded in the image
DOCKER_BUILD='cargo build --release --locked -p mcp-gateway --no-default-features --target "$RUST_TARGET"'
builds="$(grep -cF "$DOCKER_BUILD" "$DOCKERFILE" || true)"
if [[ "$builds" -eq 2 && "${BUILD_CMD[*]}" == "${DOCKER_BUILD//\"\$RUST_TARGET\"/$BUILD_TARGET}" ]]; then
  pass "the Dockerfile builds with '${BUILD_CMD[*]}' (dependency layer and binary)"
else
  fail "the Dockerfile has $builds of 2 '$DOCKER_BUILD', or it differs from '${BUILD_CMD[*]}': keep it and this script in step"
fi
# shellcheck disable=SC2016 # the Dockerfile's own text
if grep -qF 'target/$RUST_TARGET/release/mcp-gateway' "$DOCKERFILE" &&
  grep -qxF "FROM $RUNTIME_BASE AS runtime" "$DOCKERFILE"; then
  pass "the Dockerfile copies target/$BUILD_TARGET/release/mcp-gateway onto $RUNTIME_BASE"
else
  fail "the Dockerfile's binary path or runtime base is not target/\$RUST_TARGET/release/mcp-gateway on $RUNTIME_BASE"
fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  info "building: RUSTFLAGS='$BUILD_RUSTFLAGS' ${BUILD_CMD[*]} (target dir $TARGET_DIR)"
  if (cd "$ROOT" && env -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="$BUILD_RUSTFLAGS" "${BUILD_CMD[@]}"); then
    pass "release build"
  else
    fail "release build"
    finish
  fi
fi
if [[ ! -x "$BIN" ]]; then
  fail "no release binary at $BIN"
  finish
fi

# ---- A static binary, small enough ---------------------------------------------------
if ! command -v readelf >/dev/null; then
  fail "readelf (binutils) is needed to inspect the binary"
  finish
fi
if readelf -lW "$BIN" | grep -q 'INTERP'; then
  fail "the binary asks for a program interpreter (dynamically linked): $(readelf -lW "$BIN" | grep -A1 INTERP | tail -n 1)"
else
  pass "the binary has no program interpreter (no PT_INTERP)"
fi
needed="$(readelf -dW "$BIN" | grep '(NEEDED)' || true)"
if [[ -z "$needed" ]]; then
  pass "the binary needs no shared library (no DT_NEEDED)"
else
  fail "the binary needs shared libraries: $needed"
fi
ldd_out="$(ldd "$BIN" 2>&1 || true)"
if grep -qE 'statically linked|not a dynamic executable' <<<"$ldd_out"; then
  pass "ldd: $(tr -s '[:space:]' ' ' <<<"$ldd_out" | sed 's/^ //;s/ $//')"
else
  fail "ldd lists libraries: $ldd_out"
fi

size_bytes=$(stat -c %s "$BIN")
image_bytes=$((size_bytes + RUNTIME_BASE_BYTES))
figures="binary $size_bytes bytes + $RUNTIME_BASE base $RUNTIME_BASE_BYTES bytes = $image_bytes bytes ($((image_bytes / 1000 / 1000)).$((image_bytes / 10000 % 100)) MB), limit $IMAGE_LIMIT_BYTES bytes"
if [[ "$image_bytes" -lt "$IMAGE_LIMIT_BYTES" ]]; then
  pass "image size: $figures, margin $((IMAGE_LIMIT_BYTES - image_bytes)) bytes"
else
  fail "image size: $figures"
fi

# ---- The image's root file system --------------------------------------------------
# Like gcr.io/distroless/static-debian12:nonroot plus what the Dockerfile adds
# and what the container runtime provides (/etc/hosts, /etc/resolv.conf).
if [[ "$(id -u)" -ne 0 ]]; then
  fail "running the binary as the image does needs root (chroot, network namespace); run as root"
  finish
fi
CHROOT="$(command -v chroot || true)"
if [[ -z "$CHROOT" ]] || ! command -v ip >/dev/null; then
  fail "chroot (coreutils) and ip (iproute2) are needed to run the binary as the image does"
  finish
fi

ROOTFS="$WORK/rootfs"
mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/etc/ssl/certs" "$ROOTFS/data" "$ROOTFS/tmp" "$ROOTFS/home/nonroot"
chmod 0755 "$ROOTFS"
install -m 0755 "$BIN" "$ROOTFS/usr/local/bin/mcp-gateway"
cat >"$ROOTFS/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:$NONROOT:$NONROOT:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$ROOTFS/etc/group" <<EOF
root:x:0:
nobody:x:65534:
nonroot:x:$NONROOT:
EOF
# distroless's own nsswitch.conf (`compat` is not built into libc: a static
# binary must not depend on it).
cat >"$ROOTFS/etc/nsswitch.conf" <<'EOF'
passwd:         compat
group:          compat
shadow:         compat
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
EOF
cat >"$ROOTFS/etc/hosts" <<EOF
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
127.0.0.1 $HOSTS_NAME
EOF
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:2\n' >"$ROOTFS/etc/resolv.conf"
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
  cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
else
  : >"$ROOTFS/etc/ssl/certs/ca-certificates.crt"
fi
chown "$NONROOT:$NONROOT" "$ROOTFS/data" "$ROOTFS/home/nonroot"
chmod 1777 "$ROOTFS/tmp"
libs="$(find "$ROOTFS" \( -name 'lib*' -type d \) -o \( -name '*.so' -o -name '*.so.*' \) | head -n 3)"
if [[ -z "$libs" ]]; then
  pass "the root holds only the binary and /etc files: no /lib, no /usr/lib, no shared object"
else
  fail "the root holds libraries: $libs"
fi

# A private network: loopback only, and a DNS server on 127.0.0.1:53 that
# knows $DNS_NAME (and nothing else), logging every question it gets.
NETNS="mcp-smoke-$$"
if ip netns add "$NETNS" && ip netns exec "$NETNS" ip link set lo up; then
  pass "private network namespace $NETNS (loopback only)"
else
  fail "cannot create a network namespace"
  NETNS=""
  finish
fi
in_netns() { ip netns exec "$NETNS" "$@"; }

DNS_LOG="$WORK/dns.log"
ip netns exec "$NETNS" python3 - "$DNS_LOG" "$DNS_NAME" <<'PY' &
import socket, struct, sys
log_path, known = sys.argv[1], sys.argv[2].lower()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 53))
log = open(log_path, 'a', buffering=1)
log.write('ready\n')
while True:
    data, peer = s.recvfrom(512)
    i, labels = 12, []
    while data[i]:
        labels.append(data[i + 1:i + 1 + data[i]].decode('ascii', 'replace'))
        i += 1 + data[i]
    qtype = struct.unpack('>H', data[i + 1:i + 3])[0]
    name = '.'.join(labels).lower()
    log.write(f'query {name} {qtype}\n')
    answer = b''
    if name == known and qtype == 1:  # A: 127.0.0.1
        answer = b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 5, 4) + socket.inet_aton('127.0.0.1')
    rcode = 0 if name == known else 3  # NXDOMAIN for every other name
    header = data[:2] + struct.pack('>HHHHH', 0x8180 | rcode, 1, 1 if answer else 0, 0, 0)
    s.sendto(header + data[12:i + 5] + answer, peer)
PY
DNS_PID=$!
for _ in $(seq 1 50); do
  if grep -qx ready "$DNS_LOG" 2>/dev/null; then break; fi
  sleep 0.1
done
if grep -qx ready "$DNS_LOG" 2>/dev/null; then
  pass "DNS server on 127.0.0.1:53 in the namespace"
else
  fail "the DNS server did not start"
  finish
fi

# ---- Helpers ---------------------------------------------------------------------
GOOGLE_CLIENT_SECRET="smoke-client-secret-$RANDOM$RANDOM"
SESSION_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
# The image's environment: distroless's (PATH, SSL_CERT_FILE), the runtime's
# (HOME of the nonroot user), the Dockerfile's (HOST, PORT, LOG_FORMAT,
# DATA_DIR) and the task definition's.
BASE_ENV=(
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
  HOME=/home/nonroot
)
IMAGE_ENV=(
  "${BASE_ENV[@]}"
  HOST=0.0.0.0
  PORT="$PORT"
  LOG_FORMAT=json
  LOG_LEVEL=info
  DATA_DIR=/data
  PUBLIC_URL=https://mcp.example.com
  GOOGLE_CLIENT_ID=smoke-test.apps.googleusercontent.com
  GOOGLE_CLIENT_SECRET="$GOOGLE_CLIENT_SECRET"
  ALLOWED_DOMAIN=example.com
  SESSION_SECRET="$SESSION_SECRET"
  SHUTDOWN_DRAIN_SECONDS="$DRAIN_SECONDS"
  SSE_KEEP_ALIVE_SECONDS=15
  TOOL_TIMEOUT_SECONDS=120
)
# As the container runs it: in the namespace, a clean environment, chrooted
# into the image's root (working directory /, no .env), as uid/gid 65532.
# Sets IMAGE_CMD. Every step execs the next, so that a background
# "${IMAGE_CMD[@]}" & leaves $! the gateway itself, and signals reach it.
image_command() { # ENV... -- ARGS...
  local env=()
  while [[ "$1" != -- ]]; do env+=("$1"); shift; done
  shift
  IMAGE_CMD=(ip netns exec "$NETNS" env -i "${env[@]}" "$CHROOT" --userspec="$NONROOT:$NONROOT" "$ROOTFS"
    /usr/local/bin/mcp-gateway "$@")
}
run_as_image() { image_command "${IMAGE_ENV[@]}" -- "$@"; "${IMAGE_CMD[@]}"; }
# The healthcheck as the image's HEALTHCHECK runs it, with HOST overridden.
healthcheck_with_host() {
  image_command "${BASE_ENV[@]}" HOST="$1" PORT="$PORT" -- healthcheck
  "${IMAGE_CMD[@]}"
}

http_status() { http_get "$1" | sed -n 1p; }
http_get() { # URL -> prints "STATUS\nBODY"
  in_netns python3 - "$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        print(r.status); print(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); print(e.read().decode())
except Exception as e:
    print(0); print(e)
PY
}
dns_queries() { grep -c "^query $1 " "$DNS_LOG" || true; }

# ---- Version and configuration ---------------------------------------------------
if version_out="$(run_as_image --version 2>&1)"; then
  pass "--version in the chroot as uid $NONROOT: $version_out"
else
  fail "--version exited non-zero in the chroot: $version_out"
fi
if config_out="$(run_as_image check-config 2>&1)"; then
  pass "check-config accepts the image environment"
else
  fail "check-config refused the image environment: $config_out"
fi
if grep -qF -e "$GOOGLE_CLIENT_SECRET" -e "$SESSION_SECRET" <<<"$config_out"; then
  fail "check-config printed a secret value"
else
  pass "check-config redacts the secrets"
fi

# The image is built without the demo (--no-default-features): `demo` must
# refuse at once, naming the subcommand, rather than start anything.
image_command "${IMAGE_ENV[@]}" -- demo
demo_status=0
demo_out="$(timeout 10 "${IMAGE_CMD[@]}" 2>&1)" || demo_status=$?
if [[ "$demo_status" -eq 2 ]] && grep -q 'built without the .demo. feature' <<<"$demo_out"; then
  pass "the image has no demo: 'mcp-gateway demo' exits $demo_status: $(head -n 1 <<<"$demo_out")"
else
  fail "'mcp-gateway demo' in the image: exit $demo_status: $(head -n 3 <<<"$demo_out")"
fi

# ---- Start as the entrypoint does: mcp-gateway serve -----------------------------
image_command "${IMAGE_ENV[@]}" -- serve
"${IMAGE_CMD[@]}" >"$WORK/stdout.log" 2>"$WORK/stderr.log" &
SERVER_PID=$!
info "started mcp-gateway serve (pid $SERVER_PID) on 0.0.0.0:$PORT in the chroot"

healthy=0
for _ in $(seq 1 $((STARTUP_SECONDS * 10))); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
  if [[ "$(http_status "http://127.0.0.1:$PORT/health")" == 200 ]]; then healthy=1; break; fi
  sleep 0.1
done
if [[ "$healthy" -ne 1 ]]; then
  fail "the gateway did not answer /health within ${STARTUP_SECONDS}s"
  echo "---- stdout"; tail -n 20 "$WORK/stdout.log"; echo "---- stderr"; tail -n 20 "$WORK/stderr.log"
  finish
fi
pass "/health answers over 127.0.0.1 while bound to 0.0.0.0"

comm="$(cat "/proc/$SERVER_PID/comm")"
uid_line="$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$SERVER_PID/status")"
gid_line="$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$SERVER_PID/status")"
if [[ "$comm" == mcp-gateway && "$uid_line" == "$NONROOT $NONROOT $NONROOT $NONROOT" &&
  "$gid_line" == "$NONROOT $NONROOT $NONROOT $NONROOT" ]]; then
  pass "the gateway (pid $SERVER_PID) runs as uid/gid $NONROOT"
else
  fail "pid $SERVER_PID is '$comm' with uid '$uid_line' gid '$gid_line', not mcp-gateway as $NONROOT"
fi

if in_netns python3 - "$PORT" <<'PY'
import sys
port = int(sys.argv[1])
for line in open('/proc/net/tcp').read().splitlines()[1:]:
    local, state = line.split()[1], line.split()[3]
    addr, p = local.split(':')
    if int(p, 16) == port and state == '0A' and addr == '00000000':
        sys.exit(0)
sys.exit(1)
PY
then pass "listening on 0.0.0.0:$PORT (reachable from outside the container)"
else fail "not listening on 0.0.0.0:$PORT"
fi

health="$(http_get "http://127.0.0.1:$PORT/health")"
if python3 - "$health" "$version_out" <<'PY'
import datetime, json, sys
lines = sys.argv[1].split('\n', 1)
body = json.loads(lines[1])
assert body.get('status') == 'ok', body
ts = body['timestamp'].replace('Z', '+00:00')
datetime.datetime.fromisoformat(ts)
assert body.get('version') and body['version'] in sys.argv[2], (body, sys.argv[2])
PY
then pass "/health JSON: status ok, RFC 3339 timestamp, version matches --version"
else fail "/health body is not the expected JSON: $health"
fi

ready="$(http_status "http://127.0.0.1:$PORT/ready")"
if [[ "$ready" == 200 ]]; then pass "/ready answers 200"; else fail "/ready answered $ready"; fi

data_files="$(find "$ROOTFS/data" -mindepth 1 -user "$NONROOT" -printf '%f ' | sed 's/ $//')"
others="$(find "$ROOTFS/data" -mindepth 1 ! -user "$NONROOT" -printf '%f ' | sed 's/ $//')"
if [[ -n "$data_files" && -z "$others" ]]; then
  pass "the embedded store lives in the writable /data, owned by $NONROOT: $data_files"
else
  fail "/data holds '$data_files' owned by $NONROOT and '$others' owned by others"
fi

# ---- healthcheck, and name resolution in the static binary -------------------------
if hc_out="$(healthcheck_with_host 0.0.0.0 2>&1)"; then
  pass "mcp-gateway healthcheck (HOST=0.0.0.0, as the image's HEALTHCHECK) exits 0"
else
  fail "mcp-gateway healthcheck (HOST=0.0.0.0) failed: $hc_out"
fi
if hc_out="$(healthcheck_with_host "$HOSTS_NAME" 2>&1)" && [[ "$(dns_queries "$HOSTS_NAME")" -eq 0 ]]; then
  pass "healthcheck via $HOSTS_NAME exits 0: the name resolves from /etc/hosts (nsswitch 'files', no DNS query)"
else
  fail "healthcheck via $HOSTS_NAME (in /etc/hosts): ${hc_out:-exit 0 but DNS was asked}"
fi
if hc_out="$(healthcheck_with_host "$DNS_NAME" 2>&1)" && [[ "$(dns_queries "$DNS_NAME")" -gt 0 ]]; then
  pass "healthcheck via $DNS_NAME exits 0: the name resolves over DNS (nsswitch 'dns', $(dns_queries "$DNS_NAME") queries to 127.0.0.1:53)"
else
  fail "healthcheck via $DNS_NAME (DNS only): ${hc_out:-exit 0 but the DNS server was not asked}"
fi
if hc_out="$(healthcheck_with_host "$UNKNOWN_NAME" 2>&1)"; then
  fail "healthcheck via $UNKNOWN_NAME (a name nobody knows) exited 0"
elif [[ "$(dns_queries "$UNKNOWN_NAME")" -gt 0 ]]; then
  pass "healthcheck via $UNKNOWN_NAME fails after asking DNS: $hc_out"
else
  fail "healthcheck via $UNKNOWN_NAME failed without asking DNS: $hc_out"
fi

# ---- SIGTERM: drain and exit 0 -------------------------------------------------
# Like the ALB, hold an idle keep-alive connection open across the shutdown:
# it must not keep the gateway from exiting.
ip netns exec "$NETNS" python3 - "$PORT" <<'PY' &
import socket, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.sendall(b'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n')
s.recv(4096)
time.sleep(60)
PY
KEEPALIVE_PID=$!
sleep 0.3
start=$(date +%s)
kill -TERM "$SERVER_PID"
deadline=$((start + DRAIN_SECONDS + 5))
while kill -0 "$SERVER_PID" 2>/dev/null && [[ $(date +%s) -lt $deadline ]]; do sleep 0.1; done
if kill -0 "$SERVER_PID" 2>/dev/null; then
  fail "still running $((DRAIN_SECONDS + 5))s after SIGTERM"
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
else
  status=0
  wait "$SERVER_PID" || status=$?
  elapsed=$(($(date +%s) - start))
  if [[ "$status" -eq 0 ]]; then
    pass "SIGTERM with an idle keep-alive connection open: exited 0 after ${elapsed}s (drain limit ${DRAIN_SECONDS}s)"
  else
    fail "SIGTERM: exit status $status"
  fi
fi
SERVER_PID=""
kill "$KEEPALIVE_PID" 2>/dev/null || true
wait "$KEEPALIVE_PID" 2>/dev/null || true
KEEPALIVE_PID=""

# ---- healthcheck when nothing listens ---------------------------------------------
hc_status=0
hc_start=$(date +%s)
healthcheck_with_host 0.0.0.0 >/dev/null 2>&1 || hc_status=$?
if [[ "$hc_status" -ne 0 ]]; then
  pass "mcp-gateway healthcheck exits $hc_status when nothing listens ($(($(date +%s) - hc_start))s)"
else
  fail "mcp-gateway healthcheck exited 0 with nothing listening"
fi

# ---- Logs: JSON lines, no secrets --------------------------------------------------
if python3 - "$WORK/stdout.log" "$WORK/stderr.log" <<'PY'
import json, sys
count = 0
for path in sys.argv[1:]:
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            print(f'{path}:{n}: not JSON: {line.rstrip()[:200]}')
            sys.exit(1)
        if not isinstance(record, dict):
            print(f'{path}:{n}: not a JSON object'); sys.exit(1)
        count += 1
if count == 0:
    print('no log lines at all'); sys.exit(1)
print(f'{count} JSON log lines')
PY
then pass "every log line on stdout/stderr is a JSON object"
else fail "log lines are not all JSON (LOG_FORMAT=json)"
fi
if grep -qF -e "$GOOGLE_CLIENT_SECRET" -e "$SESSION_SECRET" "$WORK/stdout.log" "$WORK/stderr.log"; then
  fail "a secret value appears in the logs"
else
  pass "no secret value in the logs"
fi

finish
