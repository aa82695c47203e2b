#!/usr/bin/env bash
# Runs every test of the project, installing what the tests need first
# (Python venv with the MCP SDK, Node 22 and MCP tools from npm, CDK packages).
# Before building anything it checks the machine's prerequisites (README.md,
# "Prerequisites"; scripts/lib/prereqs.sh): it installs what it can (Debian
# packages when run as root, rustfmt and clippy, cargo-deny, Node 22) and
# stops with one line per missing piece, naming how to install it.
# Usage: scripts/test.sh            (everything)
#        scripts/test.sh rust       (parts: docs, rust, fuzz, python, multitask, scale, conformance, peers, infra, container)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

passed=0
failed=0
failures=()

run_step() {
  local name="$1"
  shift
  echo
  echo "=== ${name} ==="
  local started=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "--- ${name}: ok ($((SECONDS - started)) s)"
  else
    failed=$((failed + 1))
    failures+=("${name}")
    echo "--- ${name}: FAILED ($((SECONDS - started)) s)"
  fi
}

# cargo-deny (installed by the prerequisites, pinned) checks the dependency
# tree against deny.toml: licences, duplicate versions, crates.io only. Its
# advisories need the advisory database from the network: a manual step
# (README.md, "Lints and dependency checks").
# The Rust tests of the DynamoDB store and the KMS key provider run against
# moto, a local AWS emulator started here; REQUIRE_MOTO makes them fail
# (instead of skipping) if it is missing.
rust_checks() {
  cargo fmt --all --check &&
    cargo clippy --workspace --all-targets --locked -- -D warnings &&
    cargo deny --locked check licenses bans sources &&
    (
      # shellcheck source-path=SCRIPTDIR source=lib/moto.sh
      source scripts/lib/moto.sh
      moto_install && moto_start || exit 1
      trap moto_stop EXIT
      REQUIRE_MOTO=1 cargo test --workspace --locked
    )
}

want() {
  [[ $# -eq 0 || " ${SELECTED} " == *" $1 "* ]]
}

PARTS="docs rust fuzz python multitask scale conformance peers infra container"
SELECTED="${*:-$PARTS}"
for part in $SELECTED; do
  if [[ " $PARTS " != *" $part "* ]]; then
    echo "unknown part: $part (parts: $PARTS)" >&2
    exit 2
  fi
done

echo "=== Prerequisites ==="
# shellcheck source-path=SCRIPTDIR source=lib/prereqs.sh
source scripts/lib/prereqs.sh
# shellcheck disable=SC2086 # one word per part
if ! prereqs_check $SELECTED; then
  echo "prerequisites missing (listed above): nothing was built or run" >&2
  exit 1
fi
echo "--- Prerequisites: ok"

want docs && run_step "Docs: README layout" python3 tests/docs/readme_layout_test.py
want docs && run_step "Module graph: no import circle" python3 tests/docs/module_graph_test.py
want rust && run_step "Rust: format, lint, unit and integration tests" rust_checks
# FUZZ_SECONDS: how long each fuzz target runs (10 here; docs/fuzzing.md has
# the 10-minute runs). Its build has its own target directory, kept between runs.
want fuzz && run_step "Fuzzing: every cargo-fuzz target for ${FUZZ_SECONDS:-10} s" \
  bash scripts/fuzz.sh all "${FUZZ_SECONDS:-10}"
# The scripts below use the debug gateway binary built by the Rust step.
if want python || want multitask || want scale || want conformance || want peers; then
  cargo build --locked -p mcp-gateway -p fake-google
fi
want python && run_step "Python MCP SDK against the gateway" bash scripts/test-python.sh
want multitask && run_step "Three gateway tasks on DynamoDB and KMS (moto) with the fake Google" bash scripts/test-multitask.sh
# SCALE_SECONDS: how long the load runs (120 here; 600 for the full run).
want scale && run_step "Scale: nginx in front of three tasks, 200 sessions of 20 users, task loss" \
  env SCALE_SECONDS="${SCALE_SECONDS:-120}" bash scripts/test-multitask.sh -m scale
want conformance && run_step "MCP conformance suite and Inspector CLI" bash scripts/test-conformance.sh
want peers && run_step "TypeScript SDK OAuth client against the demo" bash scripts/test-peers.sh
want infra && run_step "Infrastructure: CDK synth, tests, cdk-nag, cfn-lint, hadolint" bash scripts/test-infra.sh
want container && run_step "Container entrypoint smoke test (release build)" bash scripts/container-smoke.sh

echo
if ((failed > 0)); then
  echo "failed steps: ${failures[*]}"
fi
echo "steps: ${passed} passed, ${failed} failed"
((failed == 0))
