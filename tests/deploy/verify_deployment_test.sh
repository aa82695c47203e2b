#!/usr/bin/env bash
# Tests of scripts/verify-deployment.sh.
#
# - Against the real gateway binary, when one is built: /health must pass, and
#   the script's verdict must match what the gateway serves (it fails while the
#   sign-in routes are missing, and passes once they answer).
# - Against a stub server (tests/deploy/stub_server.py): every failure path,
#   and the pass path, of the HTTP checks.
# - With a stand-in `aws` command: the ECS, target-health and log checks.
#
# Environment: MCP_GATEWAY_BIN (the binary to use; default: the newest of
# target/{release,debug}/mcp-gateway under CARGO_TARGET_DIR or <repo>/target).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERIFY="$ROOT/scripts/verify-deployment.sh"
STUB="$ROOT/tests/deploy/stub_server.py"

PASSED=0
FAILED=0
SKIPPED=0
ok() { PASSED=$((PASSED + 1)); echo "ok   - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
skipped() { SKIPPED=$((SKIPPED + 1)); echo "skip - $*"; }

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Runs verify-deployment.sh; sets OUT and CODE.
run_verify() {
  OUT="$(VERIFY_SKIP_AWS="${VERIFY_SKIP_AWS:-1}" env "$@" 2>&1)"
  CODE=$?
}

expect() { # NAME CONDITION_DESCRIPTION -- test command
  local name="$1"; shift
  if "$@"; then
    ok "$name"
  else
    not_ok "$name"
    while IFS= read -r line; do echo "      | $line"; done <<<"$OUT"
  fi
}

has_line() { grep -qE "$1" <<<"$OUT"; }
# failed_with PATTERN...: non-zero exit and every pattern among the lines.
failed_with() {
  [[ "$CODE" -ne 0 ]] || return 1
  local p; for p in "$@"; do has_line "$p" || return 1; done
}
# passed_with PATTERN...: exit 0 and every pattern among the lines.
passed_with() {
  [[ "$CODE" -eq 0 ]] || return 1
  local p; for p in "$@"; do has_line "$p" || return 1; done
}

start_stub() { # MODE -> sets STUB_URL
  local port_file="$WORK/port.$1.$RANDOM"
  python3 "$STUB" "$1" "$port_file" &
  PIDS+=($!)
  for _ in $(seq 1 50); do [[ -s "$port_file" ]] && break; sleep 0.1; done
  STUB_URL="http://127.0.0.1:$(cat "$port_file")"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ---- Usage --------------------------------------------------------------------------
run_verify "$VERIFY"
expect "no argument: usage and exit 2" test "$CODE" -eq 2

# ---- Stub: the pass path and every failure path --------------------------------------
start_stub complete
run_verify "$VERIFY" "$STUB_URL"
expect "complete gateway: exit 0" test "$CODE" -eq 0
expect "complete gateway: three PASS lines" test "$(grep -c '^PASS:' <<<"$OUT")" -eq 3
expect "complete gateway: AWS checks skipped" has_line '^SKIP: AWS checks'
run_verify "$VERIFY" "$STUB_URL/"
expect "trailing slash in BASE_URL is accepted" test "$CODE" -eq 0

start_stub health-only
run_verify "$VERIFY" "$STUB_URL"
expect "without sign-in routes: exit non-zero" test "$CODE" -ne 0
expect "without sign-in routes: /health passes" has_line '^PASS: /health: 200'
expect "without sign-in routes: /oauth/login fails" has_line '^FAIL: /oauth/login: HTTP 404'
expect "without sign-in routes: metadata fails" has_line '^FAIL: /.well-known/oauth-protected-resource: HTTP 404'

start_stub unhealthy
run_verify "$VERIFY" "$STUB_URL"
expect "/health 503: fails" failed_with '^FAIL: /health: HTTP 503'

start_stub health-not-json
run_verify "$VERIFY" "$STUB_URL"
expect "/health not JSON: fails" failed_with '^FAIL: /health: 200 but not JSON'

start_stub wrong-google
run_verify "$VERIFY" "$STUB_URL"
expect "/oauth/login to a non-Google host: fails" failed_with '^FAIL: /oauth/login: 302 to .https://accounts.example.net'

start_stub see-other
run_verify "$VERIFY" "$STUB_URL"
expect "/oauth/login answering 303: passes" passed_with '^PASS: /oauth/login: 303 to https://accounts.google.com/'

start_stub permanent
run_verify "$VERIFY" "$STUB_URL"
expect "/oauth/login answering 301: fails" failed_with '^FAIL: /oauth/login: HTTP 301'

start_stub metadata-partial
run_verify "$VERIFY" "$STUB_URL"
expect "metadata without authorization_servers: fails" failed_with '^FAIL: /.well-known/oauth-protected-resource: not JSON with resource and authorization_servers'

start_stub fake-google
run_verify "$VERIFY" "$STUB_URL"
expect "fake Google without override: fails" failed_with '^FAIL: /oauth/login: 302 to .http://127.0.0.1:9/'
run_verify GOOGLE_AUTH_URL_PREFIX=http://127.0.0.1:9/o/oauth2/ "$VERIFY" "$STUB_URL"
expect "fake Google with GOOGLE_AUTH_URL_PREFIX: passes" test "$CODE" -eq 0

run_verify "$VERIFY" "http://127.0.0.1:$(free_port)"
expect "nothing listening: fails with 'no answer'" failed_with '^FAIL: /health: no answer' '^FAIL: /oauth/login: no answer' '^FAIL: /.well-known/oauth-protected-resource: no answer'

# ---- AWS checks with a stand-in aws command ---------------------------------------------
mkdir -p "$WORK/bin"
cat >"$WORK/bin/aws" <<'AWS'
#!/usr/bin/env bash
# Canned answers; FAKE_AWS chooses healthy (default), degraded or errors.
case "$1 $2" in
  "cloudformation describe-stacks") echo "arn:aws:ecs:us-east-1:123456789012:service/McpGatewayCluster/gateway" ;;
  "ecs describe-services")
    if [[ "${FAKE_AWS:-}" == degraded ]]; then printf '0\t1\tarn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1\n'
    else printf '1\t1\tarn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1\n'; fi ;;
  "elbv2 describe-target-health")
    if [[ "${FAKE_AWS:-}" == degraded ]]; then printf 'unhealthy\n'; else printf 'healthy\thealthy\n'; fi ;;
  "logs filter-log-events")
    if [[ "${FAKE_AWS:-}" == errors ]]; then echo '["{\"level\":\"ERROR\",\"message\":\"store unavailable\"}"]'; else echo '[]'; fi ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
AWS
chmod +x "$WORK/bin/aws"
start_stub complete
AWS_ENV=(PATH="$WORK/bin:$PATH" AWS_ACCESS_KEY_ID=AKIATESTONLY AWS_SECRET_ACCESS_KEY=test-only VERIFY_SKIP_AWS=0)
run_verify "${AWS_ENV[@]}" "$VERIFY" "$STUB_URL"
expect "AWS healthy: exit 0 with ECS, ALB and logs passing" passed_with '^PASS: ECS: 1 of 1 tasks running' '^PASS: ALB: 2/2 targets healthy' '^PASS: logs: no ERROR'
run_verify "${AWS_ENV[@]}" FAKE_AWS=degraded "$VERIFY" "$STUB_URL"
expect "AWS degraded: ECS and ALB fail" failed_with '^FAIL: ECS: running 0, desired 1' '^FAIL: ALB: target states: unhealthy'
run_verify "${AWS_ENV[@]}" FAKE_AWS=errors "$VERIFY" "$STUB_URL"
expect "AWS log errors: fails and shows them" failed_with '^FAIL: logs: 1 ERROR lines' 'store unavailable'
run_verify -u AWS_ACCESS_KEY_ID -u AWS_PROFILE -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI -u AWS_CONTAINER_CREDENTIALS_FULL_URI PATH="$WORK/bin:$PATH" VERIFY_SKIP_AWS=0 HOME="$WORK/nohome" AWS_CONFIG_FILE="$WORK/none" AWS_SHARED_CREDENTIALS_FILE="$WORK/none" \
  "$VERIFY" "$STUB_URL"
expect "AWS CLI without credentials: skipped" passed_with '^SKIP: AWS checks \(no AWS credentials\)'

# ---- The real gateway ---------------------------------------------------------------------
find_gateway() {
  if [[ -n "${MCP_GATEWAY_BIN:-}" ]]; then echo "$MCP_GATEWAY_BIN"; return; fi
  local target="${CARGO_TARGET_DIR:-$ROOT/target}"
  local newest="" candidate
  for candidate in "$target/release/mcp-gateway" "$target/debug/mcp-gateway"; do
    if [[ -x "$candidate" && ( -z "$newest" || "$candidate" -nt "$newest" ) ]]; then newest="$candidate"; fi
  done
  echo "$newest"
}
GATEWAY="$(find_gateway)"
if [[ -z "$GATEWAY" || ! -x "$GATEWAY" ]]; then
  skipped "real gateway: no built mcp-gateway binary (cargo build -p mcp-gateway)"
elif ! "$GATEWAY" --help 2>/dev/null | grep -qw serve; then
  skipped "real gateway: $GATEWAY has no serve subcommand yet"
else
  port="$(free_port)"
  mkdir -p "$WORK/gateway/data"
  (cd "$WORK/gateway" && exec env -i PATH=/usr/bin:/bin HOST=127.0.0.1 PORT="$port" LOG_FORMAT=json \
    DATA_DIR="$WORK/gateway/data" PUBLIC_URL="http://127.0.0.1:$port" \
    GOOGLE_CLIENT_ID=verify-test.apps.googleusercontent.com GOOGLE_CLIENT_SECRET=verify-test-secret \
    ALLOWED_DOMAIN=example.com SESSION_SECRET="verify-test-session-secret-0123456789abcdef" \
    "$GATEWAY" serve >"$WORK/gateway/log" 2>&1) &
  PIDS+=($!)
  up=0
  for _ in $(seq 1 100); do
    if curl -fsS --max-time 1 "http://127.0.0.1:$port/health" >/dev/null 2>&1; then up=1; break; fi
    sleep 0.1
  done
  if [[ "$up" -ne 1 ]]; then
    not_ok "real gateway ($GATEWAY) did not start"
    sed 's/^/      | /' "$WORK/gateway/log" | tail -n 20
  else
    run_verify "$VERIFY" "http://127.0.0.1:$port"
    expect "real gateway: /health passes" has_line '^PASS: /health: 200, status ok'
    login_status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/oauth/login")"
    if [[ "$login_status" == 404 ]]; then
      expect "real gateway without sign-in routes: verify fails (non-zero)" test "$CODE" -ne 0
      expect "real gateway without sign-in routes: /oauth/login reported" has_line '^FAIL: /oauth/login'
    else
      expect "real gateway with sign-in routes: verify passes" test "$CODE" -eq 0
    fi
  fi
fi

echo "verify-deployment-test: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[[ "$FAILED" -eq 0 ]]
