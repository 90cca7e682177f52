#!/usr/bin/env bash
# Scan engine benchmark: the engine's request rate at concurrency 1, 8, 32 and 128 next to wrk's
# against the same nginx on loopback serving a small static file, and the peak RSS of a
# 10,000-request scan (/usr/bin/time -v). nginx runs on a free port with its own temporary
# config and prefix (never the system config) and is stopped at the end. Not run by ctest.
# Usage: bench/scan/run.sh [BUILD_DIR]   (default: build; needs wrk, nginx, /usr/bin/time)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
duration=${BENCH_SECONDS:-5}
requests=${BENCH_REQUESTS:-20000}

for tool in wrk nginx /usr/bin/time cc pkg-config; do
  command -v "$tool" >/dev/null || { echo "bench/scan: $tool is missing (scripts/deps.sh bench)" >&2; exit 1; }
done
[ -f "$build/libvigil_lib.a" ] || { echo "bench/scan: build vigil first ($build/libvigil_lib.a)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/vigil-bench-scan.XXXXXX)
nginx_pid=
cleanup() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/www" "$tmp/logs"
printf 'vigil bench: a small static file.\n' > "$tmp/www/small.txt"
cat > "$tmp/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path $tmp/body;
  proxy_temp_path $tmp/proxy;
  fastcgi_temp_path $tmp/fastcgi;
  uwsgi_temp_path $tmp/uwsgi;
  scgi_temp_path $tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $tmp/www;
  }
}
CONF
nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" &
nginx_pid=$!
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$port/small.txt" >/dev/null 2>&1 && break
  sleep 0.1
done
url="http://127.0.0.1:$port/small.txt"

# The engine driver, linked against the built library.
cc -std=c17 -O2 -D_GNU_SOURCE -I"$root/src" "$here/flood.c" "$build/libvigil_lib.a" \
  $(pkg-config --cflags --libs libmicrohttpd jansson sqlite3 libcrypto libcurl yaml-0.1 libjwt libargon2 zlib) \
  -lpthread -lm -o "$tmp/flood"

# The machine may be shared: each figure is the best of $rounds runs, taken alternately.
rounds=${BENCH_ROUNDS:-3}
printf '%-12s %12s %12s %8s\n' concurrency "wrk req/s" "vigil req/s" ratio
for c in 1 8 32 128; do
  threads=$(( c < 2 ? 1 : 2 ))
  n=$(( requests * (c < 8 ? 1 : 2) ))
  wrk_rate=0
  vigil_rate=0
  for _ in $(seq "$rounds"); do
    r=$(wrk -t"$threads" -c"$c" -d"${duration}s" "$url" | awk '/Requests\/sec/ {print int($2)}')
    [ "$r" -gt "$wrk_rate" ] && wrk_rate=$r
    r=$("$tmp/flood" "$url" "$n" "$c" | sed -n 's/.*rate=\([0-9]*\).*/\1/p')
    [ "$r" -gt "$vigil_rate" ] && vigil_rate=$r
  done
  ratio=$(awk -v a="$vigil_rate" -v b="$wrk_rate" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
  printf '%-12s %12s %12s %8s\n' "$c" "$wrk_rate" "$vigil_rate" "$ratio"
done

rss=$( { /usr/bin/time -v "$tmp/flood" "$url" 10000 32 >/dev/null; } 2>&1 | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}')
echo "peak RSS of a 10,000-request scan at concurrency 32: ${rss} KiB ($(( rss / 1024 )) MiB)"
