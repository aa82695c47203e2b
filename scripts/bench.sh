#!/usr/bin/env bash
# Benchmarks with printed figures (see docs/benchmarks.md). Not part of the
# test command: figures depend on the machine and are read, not asserted.
# Usage: scripts/bench.sh [startup|tokens|paths|load|overhead|hotspot|balanced|all]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
what="${1:-all}"
cargo build --release --locked -p mcp-gateway -p gateway-bench -p fake-google
BIN="$CARGO_TARGET_DIR/release/mcp-gateway"
BENCH="$CARGO_TARGET_DIR/release/gateway-bench"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "binary: $(du -h "$BIN" | cut -f1) $BIN"
if [[ $what == startup || $what == all ]]; then
  "$BENCH" startup --bin "$BIN" --runs 20
fi
if [[ $what == tokens || $what == all ]]; then
  "$BENCH" tokens --iterations 200000
fi
if [[ $what == paths || $what == all ]]; then
  # DynamoDB and KMS served by moto, a local AWS emulator.
  (
    # shellcheck source=lib/moto.sh
    source scripts/lib/moto.sh
    moto_install >/dev/null
    moto_start
    "$BENCH" paths --calls 100 --bin "$BIN"
  )
fi
if [[ $what == load || $what == all ]]; then
  "$BENCH" load --bin "$BIN" --concurrency 64 --seconds 10 --mode stateless --method tools/list
  "$BENCH" load --bin "$BIN" --concurrency 64 --seconds 10 --mode legacy --method tools/list
  "$BENCH" load --bin "$BIN" --concurrency 64 --seconds 10 --mode stateless --method tools/call --tool whoami
fi
if [[ $what == overhead || $what == all ]]; then
  "$BENCH" overhead --bin "$BIN" --concurrency 32 --seconds 10
fi
if [[ $what == hotspot || $what == all ]]; then
  # One user's 32 clients against 32 users' one client each: the gateway's
  # CPU per call should not depend on how calls spread over users.
  "$BENCH" overhead --bin "$BIN" --concurrency 32 --seconds 10 --users 1
  "$BENCH" overhead --bin "$BIN" --concurrency 32 --seconds 10 --users 32
fi
if [[ $what == balanced || $what == all ]]; then
  # Both paths through nginx (round-robin) to three tasks on DynamoDB and KMS
  # (moto): tests/multitask/test_balanced_bench.py.
  MCP_GATEWAY_BIN="$BIN" FAKE_GOOGLE_BIN="$CARGO_TARGET_DIR/release/fake-google" \
    GATEWAY_BENCH_BIN="$BENCH" PYTEST_TIMEOUT=600 \
    bash scripts/test-multitask.sh -m bench -s
fi
