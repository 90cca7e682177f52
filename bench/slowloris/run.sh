#!/usr/bin/env bash
# Slow clients: a normal client's latency idle and with 500 dripping sockets open (issue 14).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/run.py" "${1:-$here/../../build/vigil}"
