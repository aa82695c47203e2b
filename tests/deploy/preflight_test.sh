#!/usr/bin/env bash
# Tests scripts/preflight.sh against a stub `aws` (and `docker`) on PATH that
# answers like the real CLI for one account: secrets, a certificate and a
# hosted zone that exist, and ones that do not.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0

mkdir -p "$WORK/bin"
cat >"$WORK/bin/aws" <<'STUB'
#!/usr/bin/env bash
case "$1 $2" in
  "sts get-caller-identity") echo 123456789012 ;;
  "cloudformation describe-stacks") [[ "${STUB_NO_BOOTSTRAP:-}" != 1 ]] || exit 254 ;;
  "secretsmanager describe-secret"|"secretsmanager get-secret-value")
    [[ "$4" == gw/google || "$4" == gw/session ]] || { echo "ResourceNotFoundException" >&2; exit 254; }
    [[ "$2" == describe-secret ]] || echo 64 ;;
  "acm describe-certificate")
    case "$4" in
      *good) printf 'ISSUED\tmcp.example.com,www.example.com\n' ;;
      *pending) printf 'PENDING_VALIDATION\tmcp.example.com\n' ;;
      *) echo "ResourceNotFoundException" >&2; exit 254 ;;
    esac ;;
  "route53 get-hosted-zone")
    case "$4" in
      ZPUBLIC) printf 'example.com.\tFalse\n' ;;
      ZPRIVATE) printf 'example.com.\tTrue\n' ;;
      *) echo "NoSuchHostedZone" >&2; exit 254 ;;
    esac ;;
  *) echo "stub aws: unexpected $*" >&2; exit 1 ;;
esac
STUB
printf '#!/bin/sh\nexit 0\n' >"$WORK/bin/docker"
chmod +x "$WORK/bin/aws" "$WORK/bin/docker"

CERT='arn:aws:acm:us-east-1:123456789012:certificate'
BASE=(-c region=us-east-1 -c googleClientSecretName=gw/google -c sessionSecretName=gw/session)

# expect NAME STATUS PATTERN ARGS...: preflight exits with STATUS and prints PATTERN.
expect() {
  local name="$1" status="$2" pattern="$3"; shift 3
  local out rc
  out="$(PATH="$WORK/bin:$PATH" bash "$ROOT/scripts/preflight.sh" "$@" 2>&1)"; rc=$?
  if [[ "$rc" -eq "$status" ]] && grep -qE -- "$pattern" <<<"$out"; then
    PASSED=$((PASSED + 1)); echo "ok   - $name"
  else
    FAILED=$((FAILED + 1)); echo "FAIL - $name (exit $rc)"; printf '    | %s\n' "${out//$'\n'/$'\n'    | }"
  fi
}

expect "all present: passes" 0 'preflight: 0 failed' "${BASE[@]}" -c domainName=mcp.example.com -c certificateArn="$CERT/good"
expect "hosted zone present and public: passes" 0 'public zone example.com' "${BASE[@]}" -c domainName=mcp.example.com -c hostedZoneId=ZPUBLIC -c hostedZoneName=example.com
expect "missing secret: named" 1 'FAIL - sessionSecretName: secret gw/missing does not exist' -c region=us-east-1 -c googleClientSecretName=gw/google -c sessionSecretName=gw/missing
expect "secret name not given: named" 1 'FAIL - googleClientSecretName is not given' -c region=us-east-1 -c sessionSecretName=gw/session
expect "certificate pending: refused" 1 'status is PENDING_VALIDATION' "${BASE[@]}" -c domainName=mcp.example.com -c certificateArn="$CERT/pending"
expect "certificate for another name: refused" 1 'do not cover api.example.com' "${BASE[@]}" -c domainName=api.example.com -c certificateArn="$CERT/good"
expect "certificate in another region: refused" 1 'certificateArn is in eu-west-1' "${BASE[@]}" -c domainName=mcp.example.com -c certificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/good
expect "private hosted zone: refused" 1 'is private' "${BASE[@]}" -c domainName=mcp.example.com -c hostedZoneId=ZPRIVATE -c hostedZoneName=example.com
expect "hosted zone of another name: refused" 1 'not example.org' "${BASE[@]}" -c domainName=mcp.example.org -c hostedZoneId=ZPUBLIC -c hostedZoneName=example.org
expect "unknown hosted zone: refused" 1 'hostedZoneId ZNONE' "${BASE[@]}" -c domainName=mcp.example.com -c hostedZoneId=ZNONE -c hostedZoneName=example.com
STUB_NO_BOOTSTRAP=1 expect "no bootstrap: refused" 1 'cdk bootstrap aws://123456789012/us-east-1' "${BASE[@]}"
expect "bad usage: exit 2" 2 'usage' "${BASE[@]}" stray

echo "preflight-test: $PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
