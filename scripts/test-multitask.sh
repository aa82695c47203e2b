#!/usr/bin/env bash
# Runs tests/multitask: three real `mcp-gateway serve` tasks behind one public
# URL, on one DynamoDB table and one KMS key (moto), with the fake Google
# binary; proves that sign-in, tokens, sessions, the Google token lifecycle,
# revocation and outages work across tasks with no sticky sessions.
#
# Environment:
#   VENV              virtualenv to create or reuse (default: <repo>/.venv)
#   PYTHON            interpreter that creates the venv (default: python3, 3.11+)
#   MCP_GATEWAY_BIN   gateway binary; built with `cargo build -p mcp-gateway` when unset
#   FAKE_GOOGLE_BIN   fake Google binary; built with `cargo build -p fake-google` when unset
#   PYTEST_TIMEOUT    per-test timeout in seconds (default: 90)
# Extra arguments are passed to pytest (e.g. -k refresh, -x).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/gateway.sh
source "$ROOT/scripts/lib/gateway.sh"
# shellcheck source=scripts/lib/moto.sh
source "$ROOT/scripts/lib/moto.sh"

export VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
TESTS_DIR="$ROOT/tests/multitask"
REQUIREMENTS="$TESTS_DIR/requirements.txt"
STAMP="$VENV/.mcp-gateway-multitask-requirements.sha256"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mcp-multitask-tests.XXXXXX")"
export MOTO_LOG="$WORK_DIR/moto.log"

# shellcheck disable=SC2317,SC2329 # invoked by the EXIT trap
cleanup() {
    moto_stop
    if [[ "${KEEP_WORK_DIR:-0}" == 1 ]]; then
        printf 'logs of the failed run (tasks, fake Google, moto): %s\n' "$WORK_DIR" >&2
    else
        rm -rf "$WORK_DIR"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "Python virtualenv ($VENV)"
py_venv

step "moto (DynamoDB and KMS emulator)"
moto_install

step "Python test dependencies ($REQUIREMENTS)"
py_requirements "$REQUIREMENTS" "$STAMP"

step "Binaries"
gw_resolve_binary
if [[ -n "${FAKE_GOOGLE_BIN:-}" ]]; then
    [[ -x "$FAKE_GOOGLE_BIN" ]] || die "FAKE_GOOGLE_BIN=$FAKE_GOOGLE_BIN is not an executable file"
    info "using FAKE_GOOGLE_BIN=$FAKE_GOOGLE_BIN"
else
    step "Building the fake Google (cargo build -p fake-google)"
    (cd "$ROOT" && cargo build -p fake-google)
    FAKE_GOOGLE_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/fake-google"
    [[ -x "$FAKE_GOOGLE_BIN" ]] || die "cargo build did not produce $FAKE_GOOGLE_BIN"
fi
export FAKE_GOOGLE_BIN

step "moto_server"
moto_start

step "pytest tests/multitask"
cd "$TESTS_DIR"
status=0
# pytest starts (and always stops) the fake Google and the gateway tasks;
# every child process also gets SIGTERM if pytest itself dies.
# The scale test (marker `scale`) runs only when asked for: scripts/test.sh scale;
# the benchmark (marker `bench`) only from scripts/bench.sh balanced.
[[ $# -gt 0 ]] || set -- -m "not scale and not bench"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider --timeout="${PYTEST_TIMEOUT:-90}" \
    --basetemp="$WORK_DIR/pytest" --junitxml="$WORK_DIR/junit.xml" "$@" || status=$?
if [[ $status -ne 0 ]]; then
    printf '\nmulti-task tests failed (pytest exit status %s)\n' "$status" >&2
    KEEP_WORK_DIR=1
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
echo "multitask: $passed passed, $failed failed"
exit "$status"
