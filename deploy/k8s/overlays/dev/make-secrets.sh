#!/usr/bin/env bash
# Makes the development cluster's TLS and token material in credentials/ next to this file
# (kept when present; not committed): the CA and a certificate for every service name, the
# RS256 key pair (only the public key goes into the cluster), and one RS256 token per service
# and for the report job, signed here with openssl. Production takes these Secrets from the
# cluster's secret store instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir="$here/credentials"
names=()
for s in accounts health stakeholders handoff; do
  names+=("$s" "$s.flywheel.svc.cluster.local")
done
"$here/../../../local/make-credentials.sh" "$dir" "${names[@]}" >/dev/null
mkdir -p "$dir/tokens"

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
# token PRINCIPAL ROLE: an RS256 JWT valid for a year.
token() {
  local now header payload signature
  now=$(date +%s)
  header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"sub":"%s","roles":["%s"],"iat":%d,"exp":%d}' "$1" "$2" "$now" $((now + 365 * 86400)) | b64url)
  signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$dir/jwt-rs256.key" -binary | b64url)
  printf '%s.%s.%s\n' "$header" "$payload" "$signature"
}
[ -s "$dir/tokens/accounts" ] || token service:accounts viewer >"$dir/tokens/accounts"
[ -s "$dir/tokens/health" ] || token service:health viewer >"$dir/tokens/health"
[ -s "$dir/tokens/stakeholders" ] || token service:stakeholders viewer >"$dir/tokens/stakeholders"
[ -s "$dir/tokens/handoff" ] || token service:handoff editor >"$dir/tokens/handoff"
[ -s "$dir/tokens/daily-rescore" ] || token job:daily-rescore editor >"$dir/tokens/daily-rescore"
[ -s "$dir/tokens/exception-report" ] || token job:exception-report editor >"$dir/tokens/exception-report"
