#!/usr/bin/env bash
# Checks, with AWS credentials and before `cdk deploy`, what the stack takes
# for granted but cannot create itself, so that a first deploy does not roll
# back half-way:
#   - the credentials work (sts get-caller-identity) and the region is set;
#   - the CDK bootstrap stack (CDKToolkit) exists in the region;
#   - both Secrets Manager secrets exist and have a value;
#   - the ACM certificate (certificateArn) is ISSUED, in the region, and
#     covers domainName; or the hosted zone (hostedZoneId) exists, is public
#     and is named hostedZoneName;
#   - a Docker engine answers (CDK builds the image at deploy).
#
# Usage: scripts/preflight.sh -c key=value ...   (the same -c as `cdk deploy`)
# Exit status: 0 all checks pass, 1 a check failed, 2 bad usage.
set -uo pipefail

declare -A CTX=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -c|--context) [[ $# -ge 2 && "$2" == *=* ]] || { echo "usage: $0 -c key=value ..." >&2; exit 2; }
      CTX["${2%%=*}"]="${2#*=}"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "usage: $0 -c key=value ... (unknown argument $1)" >&2; exit 2 ;;
  esac
done
ctx() { printf '%s' "${CTX[$1]:-}"; }

FAILED=0
pass() { echo "ok   - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }

command -v aws >/dev/null 2>&1 || { echo "FAIL - the aws CLI is required"; exit 1; }
REGION="$(ctx region)"
REGION="${REGION:-${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null)}}}"
if [[ -z "$REGION" ]]; then echo "FAIL - no region: pass -c region=... or set AWS_REGION"; exit 1; fi
export AWS_REGION="$REGION"

if account="$(aws sts get-caller-identity --query Account --output text 2>&1)"; then
  pass "credentials of account $account, region $REGION"
else
  fail "no working AWS credentials: $account"
  exit 1
fi

if aws cloudformation describe-stacks --stack-name CDKToolkit >/dev/null 2>&1; then
  pass "CDK bootstrap stack CDKToolkit exists"
else
  fail "CDK bootstrap stack missing: npx cdk bootstrap aws://$account/$REGION"
fi

for key in googleClientSecretName sessionSecretName; do
  name="$(ctx "$key")"
  if [[ -z "$name" ]]; then fail "$key is not given (-c $key=...)"; continue; fi
  if ! aws secretsmanager describe-secret --secret-id "$name" >/dev/null 2>&1; then
    fail "$key: secret $name does not exist in $REGION (see infra/README.md, section 2)"
  elif ! aws secretsmanager get-secret-value --secret-id "$name" --query 'length(SecretString)' --output text >/dev/null 2>&1; then
    fail "$key: secret $name has no readable string value"
  else
    pass "$key: secret $name exists and has a value"
  fi
done

domain="$(ctx domainName)"
cert="$(ctx certificateArn)"
if [[ -n "$cert" ]]; then
  cert_region="$(cut -d: -f4 <<<"$cert")"
  # shellcheck disable=SC2016 # JMESPath's backtick literal, not a shell expansion
  cert_query='[Certificate.Status, join(`,`, Certificate.SubjectAlternativeNames)]'
  if [[ "$cert_region" != "$REGION" ]]; then
    fail "certificateArn is in $cert_region, the stack deploys to $REGION"
  elif ! out="$(aws acm describe-certificate --certificate-arn "$cert" --query "$cert_query" --output text 2>&1)"; then
    fail "certificateArn: $out"
  else
    read -r status names <<<"$out"
    if [[ "$status" != "ISSUED" ]]; then
      fail "certificate status is $status, not ISSUED"
    elif ! tr ',' '\n' <<<"$names" | grep -qxF -e "$domain" -e "*.${domain#*.}"; then
      fail "certificate names ($names) do not cover $domain"
    else
      pass "certificate ISSUED for $domain"
    fi
  fi
fi

zone="$(ctx hostedZoneId)"
if [[ -n "$zone" ]]; then
  if ! out="$(aws route53 get-hosted-zone --id "$zone" --query '[HostedZone.Name, HostedZone.Config.PrivateZone]' --output text 2>&1)"; then
    fail "hostedZoneId $zone: $out"
  else
    read -r zone_name private <<<"$out"
    if [[ "${zone_name%.}" != "$(ctx hostedZoneName)" ]]; then
      fail "hosted zone $zone is named ${zone_name%.}, not $(ctx hostedZoneName)"
    elif [[ "$private" == "True" ]]; then
      fail "hosted zone $zone is private: certificate validation and users need a public zone"
    else
      pass "hosted zone $zone is the public zone ${zone_name%.}"
    fi
  fi
fi

if [[ -z "$domain" ]]; then
  echo "note - no domainName: the gateway will answer on http://<alb dns> only (enough for /health, not for sign-in)"
fi

if command -v "${CDK_DOCKER:-docker}" >/dev/null 2>&1 && "${CDK_DOCKER:-docker}" info >/dev/null 2>&1; then
  pass "a container engine (${CDK_DOCKER:-docker}) answers"
else
  fail "no container engine answers (${CDK_DOCKER:-docker} info): cdk deploy builds the image"
fi

echo "preflight: $FAILED failed"
[[ "$FAILED" -eq 0 ]]
