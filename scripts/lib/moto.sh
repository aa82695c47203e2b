# shellcheck shell=bash
# moto: a local AWS emulator (DynamoDB and KMS) for the tests of the DynamoDB
# store and the KMS key provider. Source this file, then:
#
#   moto_install        installs moto into the project venv (skipped when the
#                       pinned versions are already there)
#   moto_start          starts moto_server on a free loopback port, waits until
#                       it answers and exports the variables the tests and the
#                       AWS SDK read (MOTO_URL, AWS_ENDPOINT_URL, AWS_REGION,
#                       static test credentials, AWS_EC2_METADATA_DISABLED)
#   moto_stop           stops it (moto_start installs this as the EXIT trap
#                       when the caller has none; otherwise call it yourself)
#
# Environment:
#   VENV      virtualenv to create or reuse (default: <repo>/.venv)
#   PYTHON    interpreter that creates the venv (default: python3)
#   MOTO_LOG  moto_server's log file (default: a temporary file)

MOTO_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Pinned: moto's DynamoDB and KMS backends and the server's web stack.
MOTO_REQUIREMENTS=(
    "moto[dynamodb,kms]==5.2.5"
    "flask==3.1.3"
    "flask-cors==6.0.5"
)

MOTO_PID=""
MOTO_WATCHDOG_PID=""

_moto_venv() {
    printf '%s' "${VENV:-$MOTO_REPO_ROOT/.venv}"
}

moto_install() {
    local venv stamp wanted
    venv="$(_moto_venv)"
    stamp="$venv/.mcp-gateway-moto"
    wanted="${MOTO_REQUIREMENTS[*]}"
    if [[ ! -x "$venv/bin/python" ]]; then
        "${PYTHON:-python3}" -m venv "$venv" || return 1
    fi
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" && -x "$venv/bin/moto_server" ]]; then
        printf '    moto already installed in %s\n' "$venv"
        return 0
    fi
    rm -f "$stamp"
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet "${MOTO_REQUIREMENTS[@]}" ||
        return 1
    printf '%s' "$wanted" >"$stamp"
    printf '    installed %s into %s\n' "$wanted" "$venv"
}

_moto_free_port() {
    "$(_moto_venv)/bin/python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Exit status 0 once moto answers HTTP on $1 (any status counts).
_moto_answers() {
    "$(_moto_venv)/bin/python" - "$1" <<'EOF' >/dev/null 2>&1
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/moto-api/data.json", timeout=1)
except urllib.error.HTTPError:
    pass
EOF
}

moto_start() {
    local venv port url log
    venv="$(_moto_venv)"
    [[ -x "$venv/bin/moto_server" ]] || {
        echo "error: moto_server not found in $venv; run moto_install first" >&2
        return 1
    }
    port="$(_moto_free_port)" || return 1
    url="http://127.0.0.1:$port"
    log="${MOTO_LOG:-$(mktemp -t moto.XXXXXX.log)}"
    "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
    MOTO_PID=$!
    # Stops moto if this shell dies without running its EXIT trap.
    (
        parent=$$
        while kill -0 "$parent" 2>/dev/null && kill -0 "$MOTO_PID" 2>/dev/null; do
            sleep 2
        done
        kill "$MOTO_PID" 2>/dev/null || true
    ) >/dev/null 2>&1 &
    MOTO_WATCHDOG_PID=$!
    if [[ -z "$(trap -p EXIT)" ]]; then
        trap moto_stop EXIT
    fi
    local tries=0
    until _moto_answers "$url"; do
        tries=$((tries + 1))
        if ! kill -0 "$MOTO_PID" 2>/dev/null || ((tries > 150)); then
            echo "error: moto_server did not start on $url; its log ($log):" >&2
            tail -n 20 "$log" >&2
            moto_stop
            return 1
        fi
        sleep 0.1
    done
    export MOTO_URL="$url"
    export AWS_ENDPOINT_URL="$url"
    export AWS_REGION="us-east-1"
    export AWS_ACCESS_KEY_ID="test"
    export AWS_SECRET_ACCESS_KEY="test"
    export AWS_EC2_METADATA_DISABLED="true"
    unset AWS_PROFILE AWS_SESSION_TOKEN
    printf '    moto_server on %s (pid %s, log %s)\n' "$url" "$MOTO_PID" "$log"
}

moto_stop() {
    if [[ -n "$MOTO_WATCHDOG_PID" ]]; then
        kill "$MOTO_WATCHDOG_PID" 2>/dev/null || true
        wait "$MOTO_WATCHDOG_PID" 2>/dev/null || true
        MOTO_WATCHDOG_PID=""
    fi
    if [[ -n "$MOTO_PID" ]]; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
        MOTO_PID=""
    fi
    return 0
}
