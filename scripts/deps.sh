#!/usr/bin/env bash
# Installs the Debian packages vigil needs that this machine lacks (as root, apt-get).
# Usage: scripts/deps.sh [build|test|fuzz|bench|lint]...   (build is always included)
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
            libssl-dev libcurl4-openssl-dev libyaml-dev libjwt-dev libargon2-dev zlib1g-dev)
build_pkgs+=(libxml2-dev) # scanner-report import (issue 11)
test_pkgs=(libcmocka-dev python3 python3-pytest python3-jsonschema python3-yaml python3-requests
  postgresql)  # the server of the PostgreSQL pass (scripts/pg-cluster.sh; psql for tests/api)
fuzz_pkgs=(clang libclang-rt-14-dev)
bench_pkgs=(wrk nginx-light time util-linux)
lint_pkgs=(clang-format cppcheck)
# Scan target credentials are sealed at rest with libsodium (issue 8).
build_pkgs+=(libsodium-dev)
# The PostgreSQL engine links libpq (issue 10).
build_pkgs+=(libpq-dev)

want=("${build_pkgs[@]}")
for set in "$@"; do
  case "$set" in
    build) ;;
    test) want+=("${test_pkgs[@]}") ;;
    fuzz) want+=("${fuzz_pkgs[@]}") ;;
    bench) want+=("${bench_pkgs[@]}") ;;
    lint) want+=("${lint_pkgs[@]}") ;;
    *) echo "deps.sh: unknown set '$set'" >&2; exit 2 ;;
  esac
done

# The web pages (issue 12): the build runs `npm ci` + web/build.mjs, so every set needs Node.js
# and npm; the browser tests drive Debian's Chromium through playwright-core.
command -v npm >/dev/null 2>&1 || want+=(nodejs npm)
if [[ " $* " == *" test "* ]]; then
  want+=(chromium)
fi

# The OpenAPI lint and the SARIF validator run through npx: Debian's Node.js if none is there.
if [[ " $* " == *" lint "* || " $* " == *" test "* ]] && ! command -v npx >/dev/null 2>&1; then
  want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
