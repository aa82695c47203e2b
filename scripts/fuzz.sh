#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ (docs/fuzzing.md): builds them with
# the nightly toolchain and cargo-fuzz (scripts/lib/prereqs.sh installs
# both), then runs each for SECONDS with libFuzzer, starting from the seed
# corpus fuzz/corpus/TARGET and the dictionary fuzz/dict/TARGET.dict.
# Fails if any target crashes, panics, times out or runs out of memory; the
# input that did it is kept under $FUZZ_WORK/artifacts/TARGET/.
#
# Usage: scripts/fuzz.sh [TARGET|all] [SECONDS]   (default: all, 10 s each)
#        scripts/fuzz.sh build                     (only build the targets)
#
# Environment:
#   FUZZ_TARGET_DIR  cargo's target directory for the fuzz build, kept between
#                    runs (default ~/.cache/mcp-gateway/fuzz-target)
#   FUZZ_WORK        the growing corpora, crash inputs and logs
#                    (default ~/.cache/mcp-gateway/fuzz-work)
#   FUZZ_BUILD=0     run the targets already built, without cargo
#   CARGO_TOOLS      where cargo-fuzz is installed (scripts/lib/prereqs.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/mcp-gateway/fuzz-target}"
FUZZ_WORK="${FUZZ_WORK:-$HOME/.cache/mcp-gateway/fuzz-work}"
CARGO_TOOLS="${CARGO_TOOLS:-$HOME/.cache/mcp-gateway/cargo-tools}"
export PATH="$CARGO_TOOLS/bin:$PATH"

# No sanitizer: the gateway forbids unsafe code, so AddressSanitizer finds
# nothing more and halves the executions. Debug assertions and overflow
# checks are on; 16 codegen units build faster than cargo-fuzz's default 1.
BUILD_FLAGS=(-s none --debug-assertions --codegen-units 16 --target-dir "$FUZZ_TARGET_DIR")
BIN_DIR="$FUZZ_TARGET_DIR/x86_64-unknown-linux-gnu/release"

mapfile -t ALL < <(sed -n 's/^name = "\([a-z0-9_]*\)"$/\1/p' fuzz/Cargo.toml)

what="${1:-all}"
seconds="${2:-10}"
if [[ "$what" == build ]]; then
  targets=()
elif [[ "$what" == all ]]; then
  targets=("${ALL[@]}")
elif [[ " ${ALL[*]} " == *" $what "* ]]; then
  targets=("$what")
else
  echo "unknown fuzz target: $what (targets: ${ALL[*]})" >&2
  exit 2
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "SECONDS must be a positive number, not $seconds" >&2
  exit 2
fi

if [[ "${FUZZ_BUILD:-1}" != 0 ]]; then
  echo "building the fuzz targets (cargo +nightly fuzz build, target directory $FUZZ_TARGET_DIR)"
  started=$SECONDS
  (cd fuzz && env -u CARGO_TARGET_DIR cargo +nightly fuzz build "${BUILD_FLAGS[@]}")
  echo "built in $((SECONDS - started)) s"
fi

# One line per target: executions, executions per second, coverage.
failed=()
for t in "${targets[@]}"; do
  corpus="$FUZZ_WORK/corpus/$t"
  artifacts="$FUZZ_WORK/artifacts/$t"
  log="$FUZZ_WORK/logs/$t.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  args=("$corpus")
  [[ -d "$ROOT/fuzz/corpus/$t" ]] && args+=("$ROOT/fuzz/corpus/$t")
  args+=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$artifacts/")
  [[ -f "$ROOT/fuzz/dict/$t.dict" ]] && args+=(-dict="$ROOT/fuzz/dict/$t.dict")
  started=$SECONDS
  if "$BIN_DIR/$t" "${args[@]}" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
  fi
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)"
  printf '%-14s %-6s %s s, %s executions, %s/s, coverage %s\n' \
    "$t" "$status" "$((SECONDS - started))" "${execs:-?}" "${rate:-?}" "${cov:-?}"
  if [[ "$status" == FAILED ]]; then
    grep -E -A 12 "panicked at|ERROR: libFuzzer|SUMMARY" "$log" | head -n 40 >&2 || tail -n 30 "$log" >&2
    echo "the input is under $artifacts/ (log: $log); reproduce: $BIN_DIR/$t <input>" >&2
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz targets that failed: ${failed[*]}" >&2
  exit 1
fi
