#!/usr/bin/env bash
# Post-deployment checks of a running gateway.
#
# Usage: scripts/verify-deployment.sh BASE_URL
#   e.g. scripts/verify-deployment.sh https://mcp.example.com
#
# HTTP checks (always):
#   - GET /health answers 200 with JSON {"status":"ok",...}
#   - GET /oauth/login redirects (302, 303 or 307) to Google's sign-in page
#   - GET /.well-known/oauth-protected-resource is JSON with `resource` and
#     `authorization_servers`
# AWS checks (when the aws CLI and credentials are present):
#   - the ECS service runs its desired number of tasks
#   - every target of its target group is healthy
#   - no ERROR lines in the gateway's log group in the last LOG_MINUTES minutes
#
# Environment:
#   GOOGLE_AUTH_URL_PREFIX  where /oauth/login must send the browser
#                           (default https://accounts.google.com/; set it to a
#                           fake Google's URL for a local gateway)
#   STACK_NAME              CloudFormation stack (default McpGatewayStack)
#   ECS_CLUSTER             cluster name (default McpGatewayCluster)
#   ECS_SERVICE             service ARN or name (default: the stack's ServiceArn output)
#   LOG_GROUP               log group (default /ecs/mcp-gateway)
#   LOG_MINUTES             how far back to look for errors (default 15)
#   VERIFY_SKIP_AWS=1       skip the AWS checks
#   CURL_MAX_TIME           seconds per HTTP request (default 10)
#
# Prints one PASS/FAIL/SKIP line per check and exits non-zero if any failed.
set -uo pipefail

if [[ $# -ne 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 2
fi

BASE_URL="${1%/}"
GOOGLE_AUTH_URL_PREFIX="${GOOGLE_AUTH_URL_PREFIX:-https://accounts.google.com/}"
STACK_NAME="${STACK_NAME:-McpGatewayStack}"
ECS_CLUSTER="${ECS_CLUSTER:-McpGatewayCluster}"
LOG_GROUP="${LOG_GROUP:-/ecs/mcp-gateway}"
LOG_MINUTES="${LOG_MINUTES:-15}"
CURL_MAX_TIME="${CURL_MAX_TIME:-10}"

PASSED=0
FAILED=0
SKIPPED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP: $*"; }

for tool in curl python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: $tool is required"
    exit 1
  fi
done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch PATH -> sets STATUS, LOCATION (and ERROR when there is no answer); body in $WORK/body
fetch() {
  local url="$BASE_URL$1" out
  : >"$WORK/body"
  if ! out="$(curl -sS --max-time "$CURL_MAX_TIME" -o "$WORK/body" -D "$WORK/headers" \
    -w '%{http_code}\n%{redirect_url}' "$url" 2>"$WORK/curl.err")"; then
    STATUS=000
    LOCATION=""
    ERROR="$(tr -d '\r' <"$WORK/curl.err" | head -n1)"
    return 1
  fi
  STATUS="$(sed -n 1p <<<"$out")"
  LOCATION="$(sed -n 2p <<<"$out")"
  ERROR=""
  return 0
}

# json_check PYTHON_EXPRESSION_ON_body -> exit 0 when the body is JSON and the expression is true
json_check() {
  python3 - "$WORK/body" "$1" <<'PY'
import json, sys
try:
    body = json.load(open(sys.argv[1], encoding='utf-8'))
except ValueError as e:
    print(f'not JSON: {e}', file=sys.stderr); sys.exit(1)
ok = eval(sys.argv[2], {}, {'body': body})
sys.exit(0 if ok else 1)
PY
}

body_excerpt() { head -c 200 "$WORK/body" | tr '\n' ' '; }

echo "Verifying $BASE_URL"

# ---- /health ----------------------------------------------------------------------
if ! fetch /health; then
  fail "/health: no answer ($ERROR)"
elif [[ "$STATUS" != 200 ]]; then
  fail "/health: HTTP $STATUS (expected 200): $(body_excerpt)"
elif json_check "isinstance(body, dict) and body.get('status') == 'ok'" 2>/dev/null; then
  version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("version","?"))' "$WORK/body")"
  pass "/health: 200, status ok, version $version"
else
  fail "/health: 200 but not JSON with status ok: $(body_excerpt)"
fi

# ---- /oauth/login -------------------------------------------------------------------
if ! fetch /oauth/login; then
  fail "/oauth/login: no answer ($ERROR)"
elif [[ "$STATUS" =~ ^30[237]$ ]]; then
  if [[ "$LOCATION" == "$GOOGLE_AUTH_URL_PREFIX"* ]]; then
    if [[ "$LOCATION" == *client_id=* && "$LOCATION" == *redirect_uri=* ]]; then
      pass "/oauth/login: $STATUS to ${LOCATION%%\?*}"
    else
      fail "/oauth/login: redirect to Google lacks client_id or redirect_uri: $LOCATION"
    fi
  else
    fail "/oauth/login: $STATUS to '$LOCATION', expected a URL under $GOOGLE_AUTH_URL_PREFIX"
  fi
else
  fail "/oauth/login: HTTP $STATUS (expected a temporary redirect, 302/303/307, to $GOOGLE_AUTH_URL_PREFIX)"
fi

# ---- Protected-resource metadata (RFC 9728) ---------------------------------------
if ! fetch /.well-known/oauth-protected-resource; then
  fail "/.well-known/oauth-protected-resource: no answer ($ERROR)"
elif [[ "$STATUS" != 200 ]]; then
  fail "/.well-known/oauth-protected-resource: HTTP $STATUS (expected 200)"
elif json_check "isinstance(body, dict) and isinstance(body.get('resource'), str) and body['resource'] != '' and isinstance(body.get('authorization_servers'), list) and len(body['authorization_servers']) > 0 and all(isinstance(s, str) for s in body['authorization_servers'])" 2>/dev/null; then
  resource="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["resource"])' "$WORK/body")"
  if [[ "$BASE_URL" == https://* && "$resource" != https://* ]]; then
    fail "/.well-known/oauth-protected-resource: resource '$resource' is not https (MCP clients require the public https URL)"
  else
    pass "/.well-known/oauth-protected-resource: resource $resource"
  fi
else
  fail "/.well-known/oauth-protected-resource: not JSON with resource and authorization_servers: $(body_excerpt)"
fi

# ---- AWS -----------------------------------------------------------------------------
aws_credentials_present() {
  [[ -n "${AWS_ACCESS_KEY_ID:-}" || -n "${AWS_PROFILE:-}" || -n "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" \
    || -n "${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}" || -n "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}" \
    || -f "${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}" || -f "${AWS_CONFIG_FILE:-$HOME/.aws/config}" ]]
}

aws_checks() {
  local service="${ECS_SERVICE:-}" out
  if [[ -z "$service" ]]; then
    if ! service="$(aws cloudformation describe-stacks --stack-name "$STACK_NAME" \
      --query "Stacks[0].Outputs[?OutputKey=='ServiceArn'].OutputValue" --output text 2>"$WORK/aws.err")" \
      || [[ -z "$service" || "$service" == None ]]; then
      fail "ECS: cannot read the ServiceArn output of stack $STACK_NAME: $(head -n1 "$WORK/aws.err")"
      return
    fi
  fi

  if ! out="$(aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$service" \
    --query 'services[0].[runningCount,desiredCount,loadBalancers[0].targetGroupArn]' --output text 2>"$WORK/aws.err")"; then
    fail "ECS: describe-services failed: $(head -n1 "$WORK/aws.err")"
    return
  fi
  local running desired target_group
  read -r running desired target_group <<<"$out"
  if [[ "$running" =~ ^[0-9]+$ && "$desired" =~ ^[0-9]+$ && "$running" -ge 1 && "$running" -eq "$desired" ]]; then
    pass "ECS: $running of $desired tasks running"
  else
    fail "ECS: running $running, desired $desired"
  fi

  if [[ -z "$target_group" || "$target_group" == None ]]; then
    fail "ALB: the service has no target group"
  elif out="$(aws elbv2 describe-target-health --target-group-arn "$target_group" \
    --query 'TargetHealthDescriptions[].TargetHealth.State' --output text 2>"$WORK/aws.err")"; then
    local total healthy
    total=$(wc -w <<<"$out")
    healthy=$(grep -o -w healthy <<<"$out" | wc -l)
    if [[ "$total" -ge 1 && "$healthy" -eq "$total" ]]; then
      pass "ALB: $healthy/$total targets healthy"
    else
      fail "ALB: target states: ${out:-none}"
    fi
  else
    fail "ALB: describe-target-health failed: $(head -n1 "$WORK/aws.err")"
  fi

  local since=$(( ($(date +%s) - LOG_MINUTES * 60) * 1000 ))
  if out="$(aws logs filter-log-events --log-group-name "$LOG_GROUP" --start-time "$since" \
    --filter-pattern '{ $.level = "ERROR" }' --max-items 20 \
    --query 'events[].message' --output json 2>"$WORK/aws.err")"; then
    local errors
    errors=$(python3 -c 'import json,sys; print(len(json.loads(sys.stdin.read() or "[]") or []))' <<<"$out")
    if [[ "$errors" -eq 0 ]]; then
      pass "logs: no ERROR in $LOG_GROUP over the last $LOG_MINUTES minutes"
    else
      fail "logs: $errors ERROR lines in $LOG_GROUP over the last $LOG_MINUTES minutes, e.g.:"
      python3 -c 'import json,sys; [print("   ", m[:300]) for m in (json.loads(sys.stdin.read()) or [])[:5]]' <<<"$out"
    fi
  else
    fail "logs: filter-log-events on $LOG_GROUP failed: $(head -n1 "$WORK/aws.err")"
  fi
}

if [[ "${VERIFY_SKIP_AWS:-0}" == 1 ]]; then
  skip "AWS checks (VERIFY_SKIP_AWS=1)"
elif ! command -v aws >/dev/null 2>&1; then
  skip "AWS checks (no aws CLI)"
elif ! aws_credentials_present; then
  skip "AWS checks (no AWS credentials)"
else
  aws_checks
fi

echo "verify-deployment: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[[ "$FAILED" -eq 0 ]]
