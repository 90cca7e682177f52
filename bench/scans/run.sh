#!/usr/bin/env bash
# Scans as a service: queue drain by 1/2/4 workers and GET-by-id rate during a scan.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/drain.py" "${1:-$here/../../build/vigil}"
