#!/usr/bin/env bash
# Runs tests/python (the official MCP Python SDK and raw HTTP against real
# gateway processes).
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

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
    gw_stop_all
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "Python virtualenv ($VENV)"
if [[ ! -x "$VENV/bin/python" ]]; then
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found: install CPython 3.11+ or set PYTHON"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "$PYTHON is $("$PYTHON" --version 2>&1); 3.11 or newer is needed"
    "$PYTHON" -m venv "$VENV"
    info "created with $("$VENV/bin/python" --version)"
else
    info "reusing $("$VENV/bin/python" --version)"
fi

step "Python test dependencies ($REQUIREMENTS)"
wanted_hash="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$wanted_hash" ]]; then
    info "unchanged since the last install (stamp $STAMP)"
else
    rm -f "$STAMP"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet --requirement "$REQUIREMENTS"
    echo "$wanted_hash" >"$STAMP"
    info "installed"
fi

step "Gateway binary"
gw_resolve_binary

step "pytest tests/python"
cd "$TESTS_DIR"
status=0
"$VENV/bin/python" -m pytest -q -p no:cacheprovider --timeout="${PYTEST_TIMEOUT:-60}" "$@" || status=$?
if [[ $status -ne 0 ]]; then
    printf '\nPython tests failed (pytest exit status %s)\n' "$status" >&2
fi
exit "$status"
