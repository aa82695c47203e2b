#!/usr/bin/env bash
# Tests of the deployment: CDK app, container image definition, deploy scripts.
#
# Installs what it needs (Node 22 through scripts/lib/node.sh, npm ci in
# infra/, a Python virtualenv for cfn-lint, hadolint and shellcheck), then
# runs, all offline and without AWS credentials, on Node 22:
#   1. tsc --noEmit            TypeScript (strict) type check of infra/
#   2. cdk synth               via the pinned local CLI, default and TLS variants,
#                              with the cdk-nag AwsSolutions checks (errors fail the synth)
#   3. node --test             stack assertions and cdk-nag tests (infra/test/)
#   4. cfn-lint                on the synthesized templates
#   5. hadolint                on the Dockerfile
#   6. Dockerfile stages       its dependency-layer steps run without Docker
#   7. shellcheck              on the deployment scripts
#   8. verify-deployment test  tests/deploy/verify_deployment_test.sh
#   9. preflight test          tests/deploy/preflight_test.sh (a stub aws CLI)
#
# Second runs skip the installs while infra/package-lock.json and
# infra/requirements-lint.txt are unchanged.
#
# Environment:
#   VENV         an existing virtualenv to install the linters into (default infra/.venv)
#   NODE_CACHE   where Node 22 is installed (scripts/lib/node.sh)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INFRA="$ROOT/infra"
VENV="${VENV:-$INFRA/.venv}"
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT

# Never reach for cloud credentials, instance metadata or telemetry.
export AWS_EC2_METADATA_DISABLED=true
export CDK_DISABLE_CLI_TELEMETRY=true
export npm_config_update_notifier=false
export npm_config_fund=false
export npm_config_audit=false

PASSED=0
FAILED=0
FAILURES=()
START=$(date +%s)

# step NAME COMMAND...: runs the command with its output in a log; shows the log on failure.
step() {
  local name="$1"; shift
  local log="$LOGS/$PASSED-$FAILED.log" t0=$SECONDS
  if "$@" >"$log" 2>&1; then
    PASSED=$((PASSED + 1))
    echo "PASS: $name ($((SECONDS - t0))s)"
  else
    FAILED=$((FAILED + 1))
    FAILURES+=("$name")
    echo "FAIL: $name ($((SECONDS - t0))s)"
    sed 's/^/    | /' "$log" | tail -n 80
  fi
  # Summaries of test runners, so the counts show in the main log.
  grep -E '^# (tests|pass|fail) [0-9]+$|passed, [0-9]+ failed' "$log" | sed 's/^/    /' || true
}

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "FAIL: $1 is required ($2)"; exit 1; }
}
need npm "installs Node 22 and the CDK packages: apt-get install nodejs npm"
# shellcheck source-path=SCRIPTDIR source=lib/node.sh
source "$ROOT/scripts/lib/node.sh"
node22_ensure || { echo "FAIL: Node 22 (scripts/lib/node.sh) is required"; exit 1; }
need python3 "for the linters and the verify-deployment tests"
need curl "for the verify-deployment tests"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" -lt 20 ]]; then echo "FAIL: Node.js $node_major is too old (need 20+)"; exit 1; fi

stamp_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

# ---- Installs (skipped when the lock files are unchanged) -----------------------------
install_node_modules() {
  local stamp_file="$INFRA/node_modules/.install-stamp" stamp
  stamp="$(stamp_of "$INFRA/package-lock.json" "$INFRA/package.json")-node$node_major"
  if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
    echo "node_modules up to date"
    return 0
  fi
  # npm 11 runs no install scripts that package.json does not allow; none is
  # needed here (esbuild, under tsx, ships its binary as an optional dependency).
  (cd "$INFRA" && npm ci --no-audit --no-fund) && echo "$stamp" >"$stamp_file"
}

install_linters() {
  local stamp_file="$VENV/.install-stamp" stamp
  stamp="$(stamp_of "$INFRA/requirements-lint.txt")"
  if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
    echo "linters up to date"
    return 0
  fi
  if [[ ! -x "$VENV/bin/python" ]]; then python3 -m venv "$VENV" || return 1; fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$INFRA/requirements-lint.txt" \
    && echo "$stamp" >"$stamp_file"
}

step "install infra/node_modules (npm ci)" install_node_modules
step "install cfn-lint, hadolint, shellcheck into $VENV" install_linters
if [[ "$FAILED" -ne 0 ]]; then
  echo "test-infra: $PASSED passed, $FAILED failed"
  exit 1
fi

# ---- Checks ---------------------------------------------------------------------------
cdk() { (cd "$INFRA" && npx --no-install cdk "$@"); }

# Context every synth needs (lib/context.ts refuses a synth without it).
REQUIRED=(-c googleClientId=1234567890-ci.apps.googleusercontent.com -c allowedDomain=example.com
  -c googleClientSecretName=mcp-gateway/google-client-secret -c sessionSecretName=mcp-gateway/session-secret)

synth_default() {
  rm -rf "$INFRA/cdk.out"
  cdk synth --quiet --no-notices "${REQUIRED[@]}"
}
synth_tls() {
  rm -rf "$INFRA/cdk.out.tls"
  cdk synth --quiet --no-notices --output cdk.out.tls "${REQUIRED[@]}" \
    -c domainName=mcp.example.com -c hostedZoneId=Z0123456789ABCDEFGHIJ -c hostedZoneName=example.com
}
synth_public_imported() {
  rm -rf "$INFRA/cdk.out.public"
  cdk synth --quiet --no-notices --output cdk.out.public "${REQUIRED[@]}" \
    -c publicSubnetsOnly=true -c cpuArchitecture=arm64 -c taskCpu=256 -c taskMemoryMiB=512 \
    -c existingTableName=mcp-gateway-sessions \
    -c kmsKeyArn=arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
}
# The CLI itself refuses a synth without the required context, naming each key,
# and writes no template.
synth_refuses_missing_context() {
  local out="$INFRA/cdk.out.refused" log
  rm -rf "$out"
  if log="$(cdk synth --quiet --no-notices --output cdk.out.refused 2>&1)"; then
    echo "cdk synth without context succeeded"; return 1
  fi
  echo "$log"
  local key
  for key in googleClientId allowedDomain googleClientSecretName sessionSecretName; do
    grep -q -- "- $key: missing" <<<"$log" || { echo "the refusal does not name $key"; return 1; }
  done
  if compgen -G "$out/*.template.json" >/dev/null; then echo "a template was written"; return 1; fi
  rm -rf "$out"
}
# W3005 (a DependsOn that a Ref/GetAtt already implies) is ignored: CDK itself
# emits those redundant, harmless DependsOn (custom-resource provider role, the
# ECS service waiting for its listener). Every other rule applies.
cfn_lint() {
  "$VENV/bin/cfn-lint" --ignore-checks W3005 -- \
    "$INFRA/cdk.out/McpGatewayStack.template.json" \
    "$INFRA/cdk.out.tls/McpGatewayStack.template.json" \
    "$INFRA/cdk.out.public/McpGatewayStack.template.json"
}

step "tsc --noEmit (strict)" bash -c "cd '$INFRA' && npx --no-install tsc --noEmit -p ."
step "cdk synth, HTTP only, with cdk-nag AwsSolutions" synth_default
step "cdk synth, HTTPS with a hosted zone, with cdk-nag AwsSolutions" synth_tls
step "cdk synth, public subnets, Graviton, existing table/key, with cdk-nag AwsSolutions" synth_public_imported
step "cdk synth refuses missing required context, naming each key" synth_refuses_missing_context
step "node --test infra/test (assertions, cdk-nag)" bash -c "cd '$INFRA' && node --import tsx --test test/*.test.ts"
step "cfn-lint on the synthesized templates" cfn_lint
step "hadolint Dockerfile" "$VENV/bin/hadolint" "$ROOT/Dockerfile"
step "Dockerfile dependency-layer steps (without Docker)" bash "$ROOT/tests/deploy/dockerfile_stages_test.sh"
step "shellcheck deployment scripts" "$VENV/bin/shellcheck" \
  "$ROOT/scripts/test-infra.sh" "$ROOT/scripts/container-smoke.sh" "$ROOT/scripts/verify-deployment.sh" \
  "$ROOT/tests/deploy/verify_deployment_test.sh" "$ROOT/tests/deploy/dockerfile_stages_test.sh" \
  "$ROOT/scripts/preflight.sh" "$ROOT/tests/deploy/preflight_test.sh" "$ROOT/scripts/lib/node.sh"
step "verify-deployment.sh tests" bash "$ROOT/tests/deploy/verify_deployment_test.sh"
step "preflight.sh tests (stub aws CLI)" bash "$ROOT/tests/deploy/preflight_test.sh"

echo "test-infra took $(($(date +%s) - START))s"
if [[ "$FAILED" -ne 0 ]]; then printf 'failed: %s\n' "${FAILURES[@]}"; fi
echo "test-infra: $PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
