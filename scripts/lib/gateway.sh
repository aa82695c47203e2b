# shellcheck shell=bash
# Helpers shared by the test scripts: step headers, the Python virtualenv and
# its requirements, locating (or building) the gateway binary, free loopback ports, starting / stopping gateway processes
# (`mcp-gateway demo`, the gateway with its built-in fake Google), and other
# helper processes the scripts start. Source this file from a script that runs with `set -euo pipefail`
# and calls `gw_stop_all` from its EXIT trap.

GW_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# PIDs of the gateways started by gw_start and not yet stopped.
GW_PIDS=()

# Set by gw_start for the gateway it has just started.
GW_PID=""
GW_PORT=""
GW_BASE_URL=""
GW_LOG=""

step() {
    printf '\n==> %s\n' "$*"
}

info() {
    printf '    %s\n' "$*"
}

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Sets and exports MCP_GATEWAY_BIN. When the caller did not set it, builds the
# debug binary with cargo and uses it from the cargo target directory.
# Creates $VENV with $PYTHON (3.11 or newer), or reuses it.
py_venv() {
    if [[ ! -x "$VENV/bin/python" ]]; then
        command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found: install CPython 3.11+ or set PYTHON"
        "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || die "$PYTHON is $("$PYTHON" --version 2>&1); 3.11 or newer is needed"
        "$PYTHON" -m venv "$VENV"
        info "created with $("$VENV/bin/python" --version)"
    else
        info "reusing $("$VENV/bin/python" --version)"
    fi
}

# py_requirements FILE STAMP: installs FILE into $VENV unless STAMP holds its hash.
py_requirements() {
    local requirements="$1" stamp="$2" wanted_hash
    wanted_hash="$(sha256sum "$requirements" | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted_hash" ]]; then
        info "unchanged since the last install (stamp $stamp)"
    else
        rm -f "$stamp"
        "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet --requirement "$requirements"
        echo "$wanted_hash" >"$stamp"
        info "installed"
    fi
}

gw_resolve_binary() {
    if [[ -n "${MCP_GATEWAY_BIN:-}" ]]; then
        [[ -x "$MCP_GATEWAY_BIN" ]] || die "MCP_GATEWAY_BIN=$MCP_GATEWAY_BIN is not an executable file"
        info "using MCP_GATEWAY_BIN=$MCP_GATEWAY_BIN"
    else
        local target_dir="${CARGO_TARGET_DIR:-$GW_REPO_ROOT/target}"
        step "Building the gateway (cargo build -p mcp-gateway)"
        (cd "$GW_REPO_ROOT" && cargo build -p mcp-gateway)
        MCP_GATEWAY_BIN="$target_dir/debug/mcp-gateway"
        [[ -x "$MCP_GATEWAY_BIN" ]] || die "cargo build did not produce $MCP_GATEWAY_BIN"
    fi
    export MCP_GATEWAY_BIN
}

# Prints a TCP port that is free on 127.0.0.1 right now.
gw_free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
        return
    fi
    # Fallback without Python: probe random ports in the dynamic range.
    local port attempt
    for attempt in $(seq 1 50); do
        port=$((49152 + RANDOM % 16000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "no free port found after $attempt attempts"
}

# gw_start DATA_DIR LOG_FILE AUTO_APPROVE [NAME=VALUE...]
# Starts `mcp-gateway demo --auto-approve AUTO_APPROVE` (its fake Google then
# signs that seeded user in without an account chooser) on a free loopback
# port, extra NAME=VALUE pairs overriding the defaults. The demo keeps its
# session secret in DATA_DIR. Sets GW_PID, GW_PORT, GW_BASE_URL (its
# PUBLIC_URL) and GW_LOG. Does not wait: call gw_wait_ready next.
gw_start() {
    local data_dir="$1" log_file="$2" auto_approve="$3"
    shift 3
    [[ -n "${MCP_GATEWAY_BIN:-}" ]] || die "gw_start: call gw_resolve_binary first"
    mkdir -p "$data_dir"
    GW_PORT="$(gw_free_port)"
    GW_BASE_URL="http://localhost:$GW_PORT"
    GW_LOG="$log_file"
    env -u SESSION_SECRET -u GOOGLE_BASE_URL -u ALLOWED_EMAILS \
        HOST="127.0.0.1" \
        PORT="$GW_PORT" \
        PUBLIC_URL="$GW_BASE_URL" \
        DATA_DIR="$data_dir" \
        LOG_FORMAT="json" \
        LOG_LEVEL="${GW_LOG_LEVEL:-info}" \
        "$@" \
        "$MCP_GATEWAY_BIN" demo --auto-approve "$auto_approve" >"$log_file" 2>&1 &
    GW_PID=$!
    GW_PIDS+=("$GW_PID")
    info "gateway pid $GW_PID on $GW_BASE_URL (log: $log_file)"
}

# gw_wait_ready BASE_URL PID [TIMEOUT_SECONDS]
# Polls BASE_URL/ready until it answers 200; fails early if PID exits.
gw_wait_ready() {
    local base_url="$1" pid="$2" timeout="${3:-30}"
    local deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            gw_show_log "$GW_LOG"
            die "gateway (pid $pid) exited before it was ready"
        fi
        if curl -fsS -o /dev/null --max-time 2 "$base_url/ready" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    gw_show_log "$GW_LOG"
    die "gateway at $base_url was not ready within ${timeout}s"
}

# Prints the tail of the last started gateway's log (or of LOG_FILE).
gw_show_log() {
    local log_file="${1:-$GW_LOG}"
    [[ -n "$log_file" && -f "$log_file" ]] || return 0
    printf -- '--- last lines of %s ---\n' "$log_file" >&2
    tail -n 40 "$log_file" >&2 || true
    printf -- '---\n' >&2
}

# gw_stop PID [TIMEOUT_SECONDS]
# Sends SIGTERM, waits for the process and returns its exit status (non-zero
# also when it had to be killed after the timeout).
gw_stop() {
    local pid="$1" timeout="${2:-30}" status=0
    local deadline=$((SECONDS + timeout))
    local p remaining=()
    for p in "${GW_PIDS[@]+"${GW_PIDS[@]}"}"; do
        [[ "$p" == "$pid" ]] || remaining+=("$p")
    done
    GW_PIDS=("${remaining[@]+"${remaining[@]}"}")
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        printf 'error: gateway pid %s did not stop within %ss of SIGTERM; killing it\n' "$pid" "$timeout" >&2
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        return 1
    fi
    wait "$pid" 2>/dev/null || status=$?
    return "$status"
}

# Stops every gateway still running (for EXIT traps); never fails.
gw_stop_all() {
    local pid
    for pid in "${GW_PIDS[@]+"${GW_PIDS[@]}"}"; do
        gw_stop "$pid" 10 || true
    done
}

# PIDs of helper processes (proxies) the scripts started.
GW_HELPER_PIDS=()

# gw_track_helper PID: remembers a helper process for gw_stop_helpers.
gw_track_helper() {
    GW_HELPER_PIDS+=("$1")
}

# Sends SIGTERM to every helper process and waits for it (for EXIT traps).
gw_stop_helpers() {
    local pid
    for pid in "${GW_HELPER_PIDS[@]+"${GW_HELPER_PIDS[@]}"}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    GW_HELPER_PIDS=()
}

# gw_wait_for_line FILE PATTERN PID [TIMEOUT_SECONDS]
# Waits until FILE has a line matching the extended regex PATTERN and prints
# it; fails early if PID exits.
gw_wait_for_line() {
    local file="$1" pattern="$2" pid="$3" timeout="${4:-15}" line
    local deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        if line="$(grep -m1 -E "$pattern" "$file" 2>/dev/null)"; then
            echo "$line"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    sed 's/^/    | /' "$file" >&2 || true
    die "no line matching '$pattern' in $file (pid $pid)"
}
