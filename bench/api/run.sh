#!/usr/bin/env bash
# API benchmark (issue 2). Seeds 100,000 findings through POST /api/v1/findings, then measures
# with wrk on loopback, server pinned to core 0 and wrk to core 1:
#   by-id      GET /api/v1/findings/{id} over 2,000 different ids
#   list       GET /api/v1/findings?per_page=50 over distinct pages, filters and sorts
#   repeated   the same list request with If-None-Match (304s)
#   post       POST /api/v1/findings
# nginx serves a static file of the same size as each vigil response in the same run, and the
# script prints req/s, p50/p99, the vigil/nginx ratio and vigil's peak RSS. Figures only: it
# asserts nothing.
# ENGINE=postgresql runs the same on a throwaway PostgreSQL cluster on a unix socket
# (scripts/pg-cluster.sh), ENGINE=both runs SQLite, then PostgreSQL.
# Usage: bench/api/run.sh [BUILD_DIR]   (env: ENGINE=sqlite SECONDS_PER_RUN=10 CONNECTIONS=64
#        FINDINGS=100000; BENCH_SERVER_LOG=FILE keeps the server's log)
set -euo pipefail
if [ "${ENGINE:-sqlite}" = both ]; then
  ENGINE=sqlite "$0" "$@"
  exec env ENGINE=postgresql "$0" "$@"
fi
engine=${ENGINE:-sqlite}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
vigil=$build/vigil
secs=${SECONDS_PER_RUN:-10}
conns=${CONNECTIONS:-64}
target=${FINDINGS:-100000}
work=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  [ -n "${BENCH_SERVER_LOG:-}" ] && cp "$work/server.log" "$BENCH_SERVER_LOG" 2>/dev/null
  [ -n "${nginx_pid:-}" ] && kill "$nginx_pid" 2>/dev/null
  [ "$engine" = postgresql ] && "$root/scripts/pg-cluster.sh" stop "$work/pg" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
script() { cat "$here/$1" "$here/report.lua" > "$work/$1"; echo "$work/$1"; }
wrk_run() { # url script -> RESULT line
  sleep 2 # let the server finish what the previous run left queued
  taskset -c 1 wrk -t2 -c "$conns" -d "${secs}s" --latency -s "$2" "$1" | grep '^RESULT'
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

port=$(free_port)
# The benchmark measures serving, not the rate limiter: lift the per-token limits.
export VIGIL_RATE_STANDARD=100000000/10000000 VIGIL_RATE_ADMIN=100000000/10000000 \
  VIGIL_RATE_SERVICE=100000000/10000000
case "$engine" in
  sqlite) database="sqlite:$work/vigil.db" ;;
  postgresql)
    admin=$("$root/scripts/pg-cluster.sh" start "$work/pg")
    psql -q "$admin" -c "CREATE DATABASE bench"
    database=${admin/\/postgres?//bench?} ;;
  *) echo "bench/api: ENGINE is sqlite, postgresql or both" >&2; exit 2 ;;
esac
echo "engine: $engine" >&2
# vigil runs on core 0 and wrk on core 1; PostgreSQL's own processes are not pinned. All of
# wrk's connections come from one address: lift the per-address cap (64) above them, or the
# curl calls between runs are refused while the server still holds wrk's closing connections.
VIGIL_SCAN_KEY_FILE="$work/scan.key" taskset -c 0 "$vigil" serve --listen "127.0.0.1:$port" --database "$database" \
  --jwt-key-file "$work/jwt.keys" --per-ip-connections 1000 > "$work/token" 2> "$work/server.log" &
vigil_pid=$!
for _ in $(seq 100); do grep -q vgl_live_ "$work/token" 2>/dev/null && break; sleep 0.1; done
export VIGIL_TOKEN=$(grep -o 'vgl_live_[A-Za-z0-9]*' "$work/token")
base="http://127.0.0.1:$port"
auth=(-H "Authorization: Bearer $VIGIL_TOKEN")
export VIGIL_PROJECT=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' \
  -d '{"name":"bench"}' "$base/api/v1/projects" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
total() { curl -sf "${auth[@]}" "$base/api/v1/findings?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["total"])'; }

echo "seeding $target findings through POST /api/v1/findings ..." >&2
post=$(wrk_run "$base" "$(script post_finding.lua)")
while [ "$(total)" -lt "$target" ]; do
  taskset -c 1 wrk -t2 -c "$conns" -d 5s -s "$(script post_finding.lua)" "$base" > /dev/null
done
echo "findings stored: $(total)" >&2

# 2,000 ids for the by-id run.
for page in $(seq 1 20); do
  curl -sf "${auth[@]}" "$base/api/v1/findings?per_page=100&page=$page&sort=risk_score"
  echo
done | python3 -c 'import json,sys
for line in sys.stdin:
    line=line.strip()
    if line:
        for f in json.loads(line)["data"]: print(f["id"])' > "$work/ids"
export VIGIL_IDS=$work/ids

size_of() { curl -sf "${auth[@]}" "$base$1" | wc -c; }
one_id=$(head -1 "$work/ids")
size_id=$(size_of "/api/v1/findings/$one_id")
size_list=$(size_of "/api/v1/findings?per_page=50&page=7&severity=high&sort=-created_at")
size_post=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d "{\"project_id\":\"$VIGIL_PROJECT\",\"title\":\"size probe\",\"severity\":\"low\"}" "$base/api/v1/findings" | wc -c)
export VIGIL_ETAG=$(curl -sfI "${auth[@]}" "$base/api/v1/findings?per_page=50" | sed -n 's/^ETag: \(.*\)\r$/\1/Ip')

byid=$(wrk_run "$base" "$(script get_by_id.lua)")
list=$(wrk_run "$base" "$(script list_distinct.lua)")
repeated=$(wrk_run "$base" "$(script list_repeated.lua)")
rss_kb=$(sed -n 's/^VmHWM:\s*\([0-9]*\) kB/\1/p' /proc/$vigil_pid/status)
kill -TERM $vigil_pid; wait $vigil_pid || true

# nginx with its own configuration, one worker pinned like vigil.
nport=$(free_port)
mkdir -p "$work/www" "$work/nginx"
head -c "$size_id" /dev/zero | tr '\0' x > "$work/www/id.json"
head -c "$size_list" /dev/zero | tr '\0' x > "$work/www/list.json"
head -c "$size_post" /dev/zero | tr '\0' x > "$work/www/post.json"
: > "$work/www/empty.json"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
worker_cpu_affinity 01;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$nport; root $work/www; }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
sleep 0.5
static() { printf 'request = function() return wrk.format("GET", "/%s") end\n' "$1" > "$work/s_$1.lua"; cat "$here/report.lua" >> "$work/s_$1.lua"; wrk_run "http://127.0.0.1:$nport" "$work/s_$1.lua"; }
n_id=$(static id.json); n_list=$(static list.json); n_rep=$(static empty.json); n_post=$(static post.json)
kill "$nginx_pid"; nginx_pid=

printf '\n%-10s %8s %12s %9s %9s %9s %12s %8s %s\n' scenario bytes vigil_rps p50_ms p99_ms bad nginx_rps ratio target
row() { # name bytes vigil nginx target
  v=$(echo "$3" | field rps); n=$(echo "$4" | field rps)
  bad=$(( $(echo "$3" | field errors) + $(echo "$3" | field non2xx) ))
  printf '%-10s %8s %12s %9s %9s %9s %12s %8s %s\n' "$1" "$2" "$v" "$(echo "$3" | field p50_ms)" \
    "$(echo "$3" | field p99_ms)" "$bad" "$n" "$(python3 -c "print(f'{$v/$n:.2f}x')")" "$5"
  [ "$bad" -eq 0 ] || echo "  ! $1: $bad requests failed or were not 2xx/304: that figure is not valid"
}
row by-id "$size_id" "$byid" "$n_id" ">=0.25x"
row list "$size_list" "$list" "$n_list" ">=0.1x"
row repeated 0 "$repeated" "$n_rep" ">=0.5x"
row post "$size_post" "$post" "$n_post" ">=3000/s"
echo "engine $engine; vigil peak RSS: $((rss_kb / 1024)) MiB (target <= 64 MiB); connections $conns, ${secs}s per run"
