#!/usr/bin/env bash
# Runs tests/peers: MCP clients nobody here wrote against `mcp-gateway demo`.
# The official TypeScript SDK (@modelcontextprotocol/sdk, pinned in
# tests/peers/package.json) runs its full OAuth client against a demo gateway
# that signs in alice@example.com (discovery from the 401, dynamic
# registration, PKCE, resource, code exchange, tools, refresh), and must fail
# with access_denied against a second one that signs in bob@other.example.
# (The Python SDK runs in scripts/test-python.sh, the Inspector CLI in
# scripts/test-conformance.sh.)
#
# Environment:
#   MCP_GATEWAY_BIN  gateway binary to test; when unset it is built with
#                    `cargo build -p mcp-gateway` (debug, in CARGO_TARGET_DIR)
#   NODE             Node.js 20 or newer to run the tests with (default: the
#                    Node 22 that scripts/lib/node.sh installs)
#   NODE_CACHE       where Node 22 is installed (scripts/lib/node.sh)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/gateway.sh
source "$ROOT/scripts/lib/gateway.sh"
# shellcheck source=scripts/lib/node.sh
source "$ROOT/scripts/lib/node.sh"

PEERS_DIR="$ROOT/tests/peers"
STAMP="$PEERS_DIR/node_modules/.mcp-gateway-lock.sha256"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mcp-peers.XXXXXX")"

# shellcheck disable=SC2317,SC2329 # invoked by the EXIT trap
cleanup() {
    gw_stop_all
    rm -rf "$WORK_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "Node 22 (scripts/lib/node.sh)"
node22_ensure || die "Node 22 is needed to install and run the TypeScript SDK"
NODE="${NODE:-$NODE22_BIN}"
info "$NODE22_BIN ($("$NODE22_BIN" --version)), first on PATH; tests run with NODE=$NODE"

step "Peer clients (npm ci in tests/peers)"
command -v "$NODE" >/dev/null 2>&1 || die "NODE=$NODE not found: unset NODE to use Node 22, or set it to Node.js 20 or newer"
"$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
    || die "$NODE is $("$NODE" --version); Node.js 20 or newer is needed"
lock_hash="$(cat "$PEERS_DIR/package.json" "$PEERS_DIR/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$lock_hash" ]]; then
    info "node_modules matches package-lock.json (stamp $STAMP)"
else
    (cd "$PEERS_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_hash" >"$STAMP"
fi
sdk_version="$(cd "$PEERS_DIR" && "$NODE" -p 'require("./node_modules/@modelcontextprotocol/sdk/package.json").version')"
info "node $("$NODE" --version), @modelcontextprotocol/sdk $sdk_version"

step "Gateway binary"
gw_resolve_binary

step "Starting two demo gateways"
gw_start "$WORK_DIR/alice-data" "$WORK_DIR/gateway-alice.log" alice@example.com
ALICE_PID="$GW_PID"
ALICE_URL="$GW_BASE_URL"
ALICE_LOG="$GW_LOG"
gw_wait_ready "$ALICE_URL" "$ALICE_PID"
gw_start "$WORK_DIR/bob-data" "$WORK_DIR/gateway-bob.log" bob@other.example
BOB_PID="$GW_PID"
BOB_URL="$GW_BASE_URL"
BOB_LOG="$GW_LOG"
gw_wait_ready "$BOB_URL" "$BOB_PID"
info "signs in alice@example.com: $ALICE_URL"
info "signs in bob@other.example: $BOB_URL"

step "TypeScript SDK (node --test tests/peers)"
status=0
(cd "$PEERS_DIR" && GATEWAY_URL="$ALICE_URL" BOB_GATEWAY_URL="$BOB_URL" "$NODE" --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$WORK_DIR/results.tap" \
    ./*.test.mjs) || status=$?
passed="$(grep -E '^# pass [0-9]+$' "$WORK_DIR/results.tap" | awk '{print $3}' || true)"
failed="$(grep -E '^# fail [0-9]+$' "$WORK_DIR/results.tap" | awk '{print $3}' || true)"
passed="${passed:-0}"
failed="${failed:-0}"
if [[ $status -ne 0 && $failed -eq 0 ]]; then
    failed=1 # the run failed outside any test (load error, crash)
fi

step "Stopping the gateways"
for pair in "$ALICE_PID:$ALICE_LOG" "$BOB_PID:$BOB_LOG"; do
    if gw_stop "${pair%%:*}"; then
        info "pid ${pair%%:*} exited with status 0"
    else
        failed=$((failed + 1))
        printf '    FAIL  gateway pid %s did not exit cleanly on SIGTERM\n' "${pair%%:*}"
        gw_show_log "${pair#*:}"
    fi
done
if [[ $status -ne 0 ]]; then
    gw_show_log "$ALICE_LOG"
fi

echo "peers: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
