#!/usr/bin/env bash
# Runs tests/python: the official MCP Python SDK and raw HTTP against real
# `mcp-gateway demo --auto-approve alice@example.com` processes (the gateway
# with its built-in fake Google), each test signing in through the gateway's
# OAuth flow and sending the access token as a bearer token.
#
# Environment:
#   VENV                 virtualenv to create or reuse (default: <repo>/.venv)
#   PYTHON               interpreter that creates the venv (default: python3, 3.11+)
#   MCP_GATEWAY_BIN      gateway binary to test; when unset it is built with
#                        `cargo build -p mcp-gateway` (debug, in CARGO_TARGET_DIR)
#   PYTEST_TIMEOUT       per-test timeout in seconds (default: 60)
# Extra arguments are passed to pytest (e.g. -k session, -x).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/gateway.sh
source "$ROOT/scripts/lib/gateway.sh"

VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
TESTS_DIR="$ROOT/tests/python"
REQUIREMENTS="$TESTS_DIR/requirements.txt"
STAMP="$VENV/.mcp-gateway-requirements.sha256"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mcp-python-tests.XXXXXX")"

# shellcheck disable=SC2317,SC2329 # invoked by the EXIT trap
cleanup() {
    gw_stop_all
    rm -rf "$WORK_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "Python virtualenv ($VENV)"
py_venv

step "Python test dependencies ($REQUIREMENTS)"
py_requirements "$REQUIREMENTS" "$STAMP"

step "Gateway binary"
gw_resolve_binary

step "pytest tests/python"
cd "$TESTS_DIR"
status=0
# pytest starts (and always stops) its own gateway processes.
"$VENV/bin/python" -m pytest -q -p no:cacheprovider --timeout="${PYTEST_TIMEOUT:-60}" \
    --junitxml="$WORK_DIR/junit.xml" "$@" || status=$?
if [[ $status -ne 0 ]]; then
    printf '\nPython tests failed (pytest exit status %s)\n' "$status" >&2
fi
counts="$("$VENV/bin/python" - "$WORK_DIR/junit.xml" <<'PY' || true
import sys
import xml.etree.ElementTree as ET

suite = ET.parse(sys.argv[1]).getroot()
suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
total, failed = int(suite.get("tests")), int(suite.get("failures")) + int(suite.get("errors"))
print(total - failed - int(suite.get("skipped")), failed)
PY
)"
read -r passed failed <<<"${counts:-0 1}"
if [[ $status -ne 0 && $failed -eq 0 ]]; then
    failed=1 # pytest failed outside any test (collection, fixture teardown, usage)
fi
echo "python: $passed passed, $failed failed"
exit "$status"
