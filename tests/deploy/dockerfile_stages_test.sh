#!/usr/bin/env bash
# Runs the Dockerfile's dependency-layer steps without Docker: the `manifests`
# stage's RUN on a copy of the build context's crates/, then the builder's stub
# RUN, with its `cargo build` replaced by `cargo metadata --locked`. This
# catches, before any image build, a workspace member, target or lock-file
# change that would break the image's dependency layer.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok   - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }

# The RUN instructions of one stage, continuation lines joined.
stage_runs() {
  python3 - "$ROOT/Dockerfile" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read().replace('\\\n', ' ')
stage = None
for line in text.splitlines():
    m = re.match(r'\s*FROM\s+(?:--platform=\S+\s+)?\S+(?:\s+AS\s+(\S+))?', line, re.I)
    if m:
        stage = m.group(1)
        continue
    if stage == sys.argv[2] and re.match(r'\s*RUN\s', line):
        print(re.sub(r'^\s*RUN\s+', '', line))
PY
}

manifests_run="$(stage_runs manifests)"
builder_stub_run="$(stage_runs builder | awk '/for crate in/ && !seen++')"
if [[ -z "$manifests_run" || -z "$builder_stub_run" ]]; then
  not_ok "Dockerfile has a manifests stage and a stub RUN in the builder stage"
  echo "dockerfile-stages: $PASSED passed, $FAILED failed"
  exit 1
fi
ok "Dockerfile has a manifests stage and a stub RUN in the builder stage"

# The build context's crates/, as .dockerignore leaves it.
mkdir -p "$WORK/manifests" "$WORK/builder"
tar -C "$ROOT" --exclude=target --exclude=node_modules --exclude='.venv*' -cf - crates | tar -C "$WORK/manifests" -xf -
if (cd "$WORK/manifests" && bash -o pipefail -c "$manifests_run"); then
  ok "manifests stage RUN"
else
  not_ok "manifests stage RUN"
fi
leftover="$(find "$WORK/manifests/crates" -type f ! -name Cargo.toml | head -n 3)"
if [[ -z "$leftover" ]]; then ok "manifests stage keeps only Cargo.toml files"; else not_ok "manifests stage left: $leftover"; fi

cp "$ROOT/Cargo.toml" "$ROOT/Cargo.lock" "$WORK/builder/"
cp -r "$WORK/manifests/crates" "$WORK/builder/crates"
# The build command of the Dockerfile (scripts/container-smoke.sh builds the same for the host).
# shellcheck disable=SC2016 # the Dockerfile's text, not expanded here
build_cmd='. /cargo-target.env && cargo build --release --locked -p mcp-gateway --no-default-features --target "$RUST_TARGET"'
check_run="${builder_stub_run/"$build_cmd"/cargo metadata --locked --format-version 1 >/dev/null}"
check_run="${check_run/&& rm -rf crates/}"
if [[ "$check_run" == "$builder_stub_run" ]]; then
  not_ok "the stub RUN builds with '$build_cmd'"
elif (cd "$WORK/builder" && bash -o pipefail -c "$check_run") >"$WORK/out" 2>&1; then
  ok "stub sources load as a workspace with the locked dependencies (cargo metadata --locked)"
else
  not_ok "stub sources do not load: $(tail -n 5 "$WORK/out")"
fi

members="$(cd "$ROOT" && cargo metadata --locked --no-deps --format-version 1 2>/dev/null \
  | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["workspace_members"]))')"
stubbed="$(find "$WORK/builder/crates" -name Cargo.toml | wc -l)"
if [[ -n "$members" && "$members" -eq "$stubbed" ]]; then
  ok "every workspace member ($members) reaches the dependency layer"
else
  not_ok "workspace members: ${members:-?}, manifests in the dependency layer: $stubbed"
fi

echo "dockerfile-stages: $PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
