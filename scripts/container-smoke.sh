#!/usr/bin/env bash
# Smoke test of the gateway as its container image runs it, without Docker.
#
# Builds the release binary with the Dockerfile's own build command, then runs
# `mcp-gateway serve` with the image's environment (HOST=0.0.0.0, PORT,
# LOG_FORMAT=json, DATA_DIR) plus production-like settings, and checks:
# /health and /ready, the `healthcheck` subcommand (success, and failure when
# nothing listens), `check-config`, JSON log lines with no secret in them, and
# a clean exit (status 0) on SIGTERM within the drain time.
#
# Usage: scripts/container-smoke.sh
#   CARGO_TARGET_DIR   where cargo builds (default: <repo>/target)
#   SKIP_BUILD=1       use the existing release binary instead of building
#   SMOKE_STARTUP_SECONDS  how long to wait for /health (default 30)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release/mcp-gateway"
BUILD_CMD=(cargo build --release --locked -p mcp-gateway)
DRAIN_SECONDS=25
STARTUP_SECONDS="${SMOKE_STARTUP_SECONDS:-30}"

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
info() { echo "INFO: $*"; }

WORK="$(mktemp -d)"
SERVER_PID=""
KEEPALIVE_PID=""
# shellcheck disable=SC2329 # invoked by the EXIT trap
cleanup() {
  if [[ -n "$KEEPALIVE_PID" ]]; then kill "$KEEPALIVE_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

finish() {
  echo "container-smoke: $PASSED passed, $FAILED failed"
  if [[ "$FAILED" -ne 0 ]]; then exit 1; fi
  exit 0
}

# ---- Build exactly as the image's build stage does -------------------------------
if grep -qF "${BUILD_CMD[*]}" "$ROOT/Dockerfile"; then
  pass "the Dockerfile builds with '${BUILD_CMD[*]}'"
else
  fail "the Dockerfile does not build with '${BUILD_CMD[*]}': keep it and this script in step"
fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  info "building: ${BUILD_CMD[*]} (target dir $TARGET_DIR)"
  if (cd "$ROOT" && "${BUILD_CMD[@]}"); then
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
size_bytes=$(stat -c %s "$BIN")
info "release binary: $BIN, $size_bytes bytes ($((size_bytes / 1024 / 1024)) MiB)"

# ---- Helpers ---------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The image's environment: only what the Dockerfile and the task definition set.
PORT="$(free_port)"
DATA_DIR="$WORK/data"
mkdir -p "$DATA_DIR"
GOOGLE_CLIENT_SECRET="smoke-client-secret-$RANDOM$RANDOM"
SESSION_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
IMAGE_ENV=(
  PATH=/usr/bin:/bin
  HOST=0.0.0.0
  PORT="$PORT"
  LOG_FORMAT=json
  LOG_LEVEL=info
  DATA_DIR="$DATA_DIR"
  PUBLIC_URL=https://mcp.example.com
  GOOGLE_CLIENT_ID=smoke-test.apps.googleusercontent.com
  GOOGLE_CLIENT_SECRET="$GOOGLE_CLIENT_SECRET"
  ALLOWED_DOMAIN=example.com
  SESSION_SECRET="$SESSION_SECRET"
  SHUTDOWN_DRAIN_SECONDS="$DRAIN_SECONDS"
  SSE_KEEP_ALIVE_SECONDS=15
  TOOL_TIMEOUT_SECONDS=120
)
# Like the container: a clean environment and a working directory without .env.
# `exec` keeps one process, so that $! is the gateway itself and signals reach it.
run_as_image() { (cd "$WORK" && exec env -i "${IMAGE_ENV[@]}" "$BIN" "$@"); }

http_status() { http_get "$1" | sed -n 1p; }
http_get() { # URL -> prints "STATUS\nBODY"
  python3 - "$1" <<'PY'
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

# ---- Version and configuration ---------------------------------------------------
if version_out="$(run_as_image --version 2>&1)"; then
  pass "--version: $version_out"
else
  fail "--version exited non-zero: $version_out"
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

# ---- Start as the entrypoint does: mcp-gateway serve -----------------------------
(cd "$WORK" && exec env -i "${IMAGE_ENV[@]}" "$BIN" serve) >"$WORK/stdout.log" 2>"$WORK/stderr.log" &
SERVER_PID=$!
info "started mcp-gateway serve (pid $SERVER_PID) on 0.0.0.0:$PORT"

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

if python3 - "$PORT" <<'PY'
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

if (cd "$WORK" && exec env -i PATH=/usr/bin:/bin HOST=0.0.0.0 PORT="$PORT" "$BIN" healthcheck) >/dev/null 2>&1; then
  pass "mcp-gateway healthcheck exits 0 against the running gateway"
else
  fail "mcp-gateway healthcheck failed against the running gateway"
fi

# ---- SIGTERM: drain and exit 0 -------------------------------------------------
# Like the ALB, hold an idle keep-alive connection open across the shutdown:
# it must not keep the gateway from exiting.
python3 - "$PORT" <<'PY' &
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
(cd "$WORK" && exec env -i PATH=/usr/bin:/bin HOST=0.0.0.0 PORT="$PORT" "$BIN" healthcheck) >/dev/null 2>&1 || hc_status=$?
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
