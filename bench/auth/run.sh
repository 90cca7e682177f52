#!/usr/bin/env bash
# Authentication benchmark (issue 14 items 12 and 14). On loopback, server pinned to core 0 and
# wrk to core 1, GET /api/v1/organization (one cheap row) with:
#   api-token  an operator API token (digest lookup, owner check)
#   jwt        an access JWT (signature, user lookup, and the session check of item 12:
#              store_refresh_family_live, answered from its 1 s cache)
#   bad-token  a revoked API token from one address, default VIGIL_RATE_ANONYMOUS (60/min,
#              burst 30): after the burst every answer is a 429 decided before any audit write
# Prints req/s and p50/p99 for each. Figures only: it asserts nothing.
# Usage: bench/auth/run.sh [BUILD_DIR]   (env: SECONDS_PER_RUN=10 CONNECTIONS=32)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
vigil=$build/vigil
secs=${SECONDS_PER_RUN:-10}
conns=${CONNECTIONS:-32}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wrk_run() { # label bearer
  sleep 1
  printf '%-10s ' "$1"
  VIGIL_BEARER=$2 taskset -c 1 wrk -t2 -c "$conns" -d "${secs}s" -s "$here/bearer.lua" "$base" |
    sed -n 's/^RESULT //p'
}

port=$(free_port)
# Lift the per-credential limits (this measures authentication, not the limiter); the
# per-address tier of failed authentication keeps its default.
export VIGIL_RATE_STANDARD=100000000/10000000 VIGIL_RATE_ADMIN=100000000/10000000 \
  VIGIL_RATE_SERVICE=100000000/10000000 VIGIL_ADMIN_USERNAME=perfadmin \
  VIGIL_ADMIN_PASSWORD=bench-passphrase-violet-42
taskset -c 0 "$vigil" serve --listen "127.0.0.1:$port" --database "sqlite:$work/vigil.db" \
  > "$work/token" 2> "$work/server.log" &
for _ in $(seq 100); do grep -q vgl_live_ "$work/token" 2>/dev/null && break; sleep 0.1; done
token=$(grep -o 'vgl_live_[A-Za-z0-9]*' "$work/token")
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/health" > /dev/null && break; sleep 0.1; done
jwt=$(curl -sf -H 'Content-Type: application/json' \
  -d '{"username":"perfadmin","password":"bench-passphrase-violet-42"}' "$base/api/v1/auth/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
dead=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"dead","scopes":["clients:read"]}' "$base/api/v1/tokens" |
  python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(d["id"], d["token"])')
curl -sf -X DELETE -H "Authorization: Bearer $token" "$base/api/v1/tokens/${dead%% *}" > /dev/null

echo "GET /api/v1/organization, ${secs}s, $conns connections"
wrk_run api-token "$token"
wrk_run jwt "$jwt"
wrk_run bad-token "${dead#* }"
